"""Reads of the event log: the feed, proofs, and what each reader may see (docs/eventlog.md).

Envelopes (position, time, coop, type, subject, payload hash, leaf and chain hashes) are public.
A payload and its salt go only to members of the event's coop. Requester staff see the payload
of events whose payload names their organisation (`"organisation": <id>`), with member ids
(`actor`, `member`, `user`) replaced by their worker pseudonym, and without the salt: with the
salt a requester could hash guesses of the real ids and undo the pseudonyms. A pseudonymised
payload no longer hashes to the leaf, so requesters verify envelopes, members verify payloads."""

import json
from dataclasses import dataclass

from django.db import connection

from accounts.models import OrganisationStaff
from accounts.pseudonyms import worker_pseudonym
from coop.eventlog import merkle
from coop.eventlog.models import Checkpoint, Event, Sequenced
from coop.federation.models import Membership

MEMBER_KEYS = ("actor", "member", "user")


def events_for_subject(*, subject_type, subject_id):
    return Event.objects.filter(subject_type=subject_type, subject_id=str(subject_id)).order_by("id")


@dataclass(frozen=True)
class Reader:
    coop_ids: frozenset = frozenset()
    organisation_ids: frozenset = frozenset()


ANONYMOUS = Reader()


def reader_for(*, user, auth=None):
    """Who is reading: the coops whose payloads they see (active membership) and the requester
    organisations they act for (an API key acts for its organisation only)."""
    organisation = getattr(auth, "organisation", None)
    if organisation is not None:
        return Reader(organisation_ids=frozenset([organisation.pk]))
    if not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    coops = Membership.objects.active().filter(user=user).values_list("coop_id", flat=True)
    orgs = OrganisationStaff.objects.filter(user=user).values_list("organisation_id", flat=True)
    return Reader(coop_ids=frozenset(coops), organisation_ids=frozenset(orgs))


def _pseudonymise(value, organisation_id):
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | str):
        return worker_pseudonym(user=value, organisation=organisation_id)
    if isinstance(value, list):
        return [_pseudonymise(v, organisation_id) for v in value]
    return value


def event_view(row, reader=ANONYMOUS):
    """One sequenced event as a reader may see it. `row` is a Sequenced with its event."""
    event = row.event
    data = {
        "position": row.position,
        "time": event.occurred_at,
        "coop": event.coop_id,
        "type": event.type,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "payload_hash": payload_hash_hex(event),
        "leaf_hash": bytes(row.leaf_hash).hex(),
        "chain_hash": bytes(row.chain_hash).hex(),
        "payload_view": "none",
    }
    if event.coop_id is not None and event.coop_id in reader.coop_ids:
        data.update(payload=json.loads(bytes(event.payload)), salt=bytes(event.salt).hex(), payload_view="member")
    elif reader.organisation_ids:
        payload = json.loads(bytes(event.payload))
        organisation_id = payload.get("organisation")
        if organisation_id in reader.organisation_ids:
            for key in MEMBER_KEYS:
                if key in payload:
                    payload[key] = _pseudonymise(payload[key], organisation_id)
            data.update(payload=payload, payload_view="requester")
    return data


def payload_hash_hex(event):
    from coop.eventlog.leaves import payload_hash

    return payload_hash(event.salt, event.payload).hex()


def events_feed(*, after=0, limit=100, coop_id=None, type=None, before=None, newest_first=False):
    qs = Sequenced.objects.select_related("event")
    if after:
        qs = qs.filter(position__gt=after)
    if before:
        qs = qs.filter(position__lt=before)
    if coop_id is not None:
        qs = qs.filter(event__coop_id=coop_id)
    if type:
        qs = qs.filter(event__type=type) if not type.endswith(".") else qs.filter(event__type__startswith=type)
    return list(qs.order_by("-position" if newest_first else "position")[:limit])


def event_at(*, position):
    return Sequenced.objects.select_related("event").filter(position=position).first()


def event_types(*, coop_id=None):
    qs = Event.objects.filter(sequenced__isnull=False)
    if coop_id is not None:
        qs = qs.filter(coop_id=coop_id)
    return list(qs.order_by("type").values_list("type", flat=True).distinct())


def log_size():
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(position), 0) FROM eventlog_sequenced")
        return cursor.fetchone()[0]


def leaf_hashes(*, size):
    """The leaf hashes of positions 1..size (a proof needs the whole tree: O(size))."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT leaf_hash FROM eventlog_sequenced WHERE position <= %s ORDER BY position", [size])
        return [bytes(h) for (h,) in cursor.fetchall()]


def checkpoint_latest():
    return Checkpoint.objects.order_by("-size").first()


def checkpoints_after(*, after=0, limit=100):
    return list(Checkpoint.objects.filter(size__gt=after).order_by("size")[:limit])


def inclusion_proof(*, position, size):
    leaves = leaf_hashes(size=size)
    return {"position": position, "size": size, "leaf_hash": leaves[position - 1].hex(),
            "root": merkle.root(leaves).hex(),
            "proof": [h.hex() for h in merkle.inclusion_proof(position - 1, leaves)]}


def consistency_proof(*, first, second):
    leaves = leaf_hashes(size=second)
    return {"first": first, "second": second, "first_root": merkle.root(leaves[:first]).hex(),
            "second_root": merkle.root(leaves).hex(),
            "proof": [h.hex() for h in merkle.consistency_proof(first, leaves)]}


def checkpoint_view(checkpoint):
    from coop.eventlog.checkpoints import checkpoint_message

    message = checkpoint_message(origin=checkpoint.origin, size=checkpoint.size, root=checkpoint.root,
                                 chain=checkpoint.chain_hash, time=checkpoint.signed_at)
    return {"size": checkpoint.size, "root": bytes(checkpoint.root).hex(),
            "chain_hash": bytes(checkpoint.chain_hash).hex(), "time": checkpoint.signed_at,
            "origin": checkpoint.origin, "key_id": checkpoint.key_id,
            "public_key": bytes(checkpoint.public_key).hex(), "signature": bytes(checkpoint.signature).hex(),
            "message": message.decode()}


def position_of(*, event_id):
    """The position given to an event, or None while it is not sequenced yet."""
    return Sequenced.objects.filter(event_id=event_id).values_list("position", flat=True).first()


def checkpoint_first_containing(*, event_id):
    """The first signed checkpoint whose tree contains the event (DESIGN.md seam 12: the jury
    seed uses its root), or None while the event is not sequenced or not yet signed."""
    position = position_of(event_id=event_id)
    if position is None:
        return None
    return Checkpoint.objects.filter(size__gte=position).order_by("size").first()
