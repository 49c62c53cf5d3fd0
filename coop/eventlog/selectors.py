"""Reads of the event log: the feed, proofs, and what each reader may see (docs/eventlog.md).

Envelopes (position, time, coop, type, subject, payload hash, leaf and chain hashes) are public.
A payload and its salt go only to members of the event's coop, except a payload of money that
went into or out of one member's wallet: only that member (and, for payouts, the coop's
stewards) reads it; other members get `payload_view` "withheld" and verify the leaf. Requester
staff see the payload of events whose payload names their organisation (`"organisation": <id>`),
reduced to known keys with member ids replaced by their worker pseudonym, and without the salt:
with the salt a requester could hash guesses of the real ids and undo the pseudonyms. A
pseudonymised payload no longer hashes to the leaf, so requesters verify envelopes, members
verify payloads. The rules themselves are in `coop.eventlog.privacy`."""

import json
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import QuerySet

from coop.eventlog import merkle, privacy
from coop.eventlog.checkpoints import checkpoint_message
from coop.eventlog.leaves import is_erased, payload_hash
from coop.eventlog.listeners import EventFacts
from coop.eventlog.models import Checkpoint, Event, Sequenced


def events_for_subject(*, subject_type: str, subject_id: int | str) -> QuerySet[Event]:
    return Event.objects.filter(subject_type=subject_type, subject_id=str(subject_id)).order_by("id")


@dataclass(frozen=True)
class Reader:
    coop_ids: frozenset = frozenset()
    organisation_ids: frozenset = frozenset()
    user_id: int | None = None
    steward_coop_ids: frozenset = frozenset()


ANONYMOUS = Reader()  # who a reader is comes from the access module: coop.federation.access.event_reader_for



def events_view(rows: list[Sequenced], reader: Reader = ANONYMOUS) -> list[dict]:
    """Sequenced events as a reader may see them: `event_view` for each, with the owners of
    personal money events looked up once for the page (one query per kind of lookup)."""
    owners = {}
    if reader.coop_ids:
        owners = privacy.owners_resolve(
            (row.event.type, json.loads(bytes(row.event.payload))) for row in rows
            if row.event.coop_id in reader.coop_ids and row.event.type in privacy.PERSONAL
            and not is_erased(row.event.payload))
    return [event_view(row, reader, owners=owners) for row in rows]


def event_view(row: Sequenced, reader: Reader = ANONYMOUS, *, owners: dict | None = None) -> dict:
    """One sequenced event as a reader may see it. `row` is a Sequenced with its event;
    `owners` comes from `events_view` (alone, the owners are looked up for this event)."""
    if owners is None and reader.coop_ids and row.event.type in privacy.PERSONAL:
        return events_view([row], reader)[0]
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
    if is_erased(event.payload):
        data["payload_view"] = "erased"
    elif event.coop_id is not None and event.coop_id in reader.coop_ids:
        payload = json.loads(bytes(event.payload))
        if privacy.member_may_read(type=event.type, payload=payload, coop_id=event.coop_id, user_id=reader.user_id,
                                   steward_coop_ids=reader.steward_coop_ids, owners=owners or {}):
            data.update(payload=payload, salt=bytes(event.salt).hex(), payload_view="member")
        else:
            data["payload_view"] = "withheld"
    elif reader.organisation_ids:
        payload = json.loads(bytes(event.payload))
        organisation_id = payload.get("organisation")
        if isinstance(organisation_id, int) and organisation_id in reader.organisation_ids:
            shown = privacy.requester_payload(payload, organisation_id=organisation_id,
                                              subject_type=event.subject_type)
            if shown is not None:
                data.update(payload=shown, payload_view="requester")
    return data


def payload_hash_hex(event: Event) -> str:
    return payload_hash(event.salt, event.payload).hex()


def events_feed(*, after: int = 0, limit: int = 100, coop_id: int | None = None, type: str | None = None,
                before: int | None = None, newest_first: bool = False) -> list[Sequenced]:
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


def events_heard_after(*, position: int, types: list[str] | tuple[str, ...],
                       limit: int = 500) -> tuple[int, list[EventFacts]]:
    """For a reader that follows the log from a cursor (the webhooks' fan-out): of the next
    `limit` sequenced events after `position`, those of `types` as a listener hears them
    (`EventFacts`; an erased payload is left out), with the last position read (`position` when
    there is none). Positions are final, so nothing ever appears behind a cursor."""
    rows = list(Sequenced.objects.filter(position__gt=position).order_by("position")
                .values_list("position", "event_id", "event__type")[:limit])
    if not rows:
        return position, []
    types = set(types)
    events = Event.objects.in_bulk([event_id for _p, event_id, type_ in rows if type_ in types])
    facts = [EventFacts(id=e.pk, type=e.type, coop_id=e.coop_id, actor_id=e.actor_id, subject_type=e.subject_type,
                        subject_id=e.subject_id, payload=e.payload_json)
             for _p, event_id, _t in rows if (e := events.get(event_id)) is not None and not is_erased(e.payload)]
    return rows[-1][0], facts


def event_at(*, position: int) -> Sequenced | None:
    return Sequenced.objects.select_related("event").filter(position=position).first()


def event_types(*, coop_id: int | None = None) -> list[str]:
    qs = Event.objects.filter(sequenced__isnull=False)
    if coop_id is not None:
        qs = qs.filter(coop_id=coop_id)
    return list(qs.order_by("type").values_list("type", flat=True).distinct())


def _read_cursor():
    """A cursor on the database reads of the event log go to (the replica on the pages that
    read from it: coop.ops.replica), so raw SQL follows the router like the ORM."""
    return connections[router.db_for_read(Sequenced)].cursor()


def log_size() -> int:
    with _read_cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(position), 0) FROM eventlog_sequenced")
        return cursor.fetchone()[0]


def leaf_hashes(*, size: int) -> list[bytes]:
    """The leaf hashes of positions 1..size (a proof needs the whole tree: O(size))."""
    with _read_cursor() as cursor:
        cursor.execute("SELECT leaf_hash FROM eventlog_sequenced WHERE position <= %s ORDER BY position", [size])
        return [bytes(h) for (h,) in cursor.fetchall()]


def checkpoint_latest() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-size").first()


def checkpoints_after(*, after: int = 0, limit: int = 100) -> list[Checkpoint]:
    return list(Checkpoint.objects.filter(size__gt=after).order_by("size")[:limit])


def inclusion_proof(*, position: int, size: int) -> dict:
    leaves = leaf_hashes(size=size)
    return {"position": position, "size": size, "leaf_hash": leaves[position - 1].hex(),
            "root": merkle.root(leaves).hex(),
            "proof": [h.hex() for h in merkle.inclusion_proof(position - 1, leaves)]}


def consistency_proof(*, first: int, second: int) -> dict:
    leaves = leaf_hashes(size=second)
    return {"first": first, "second": second, "first_root": merkle.root(leaves[:first]).hex(),
            "second_root": merkle.root(leaves).hex(),
            "proof": [h.hex() for h in merkle.consistency_proof(first, leaves)]}


def checkpoint_view(checkpoint: Checkpoint) -> dict:
    message = checkpoint_message(origin=checkpoint.origin, size=checkpoint.size, root=checkpoint.root,
                                 chain=checkpoint.chain_hash, time=checkpoint.signed_at)
    return {"size": checkpoint.size, "root": bytes(checkpoint.root).hex(),
            "chain_hash": bytes(checkpoint.chain_hash).hex(), "time": checkpoint.signed_at,
            "origin": checkpoint.origin, "key_id": checkpoint.key_id,
            "public_key": bytes(checkpoint.public_key).hex(), "signature": bytes(checkpoint.signature).hex(),
            "message": message.decode()}


def position_of(*, event_id: int) -> int | None:
    """The position given to an event, or None while it is not sequenced yet."""
    return Sequenced.objects.filter(event_id=event_id).values_list("position", flat=True).first()


def checkpoint_first_containing(*, event_id: int) -> Checkpoint | None:
    """The first signed checkpoint whose tree contains the event (DESIGN.md seam 12: the jury
    seed uses its root), or None while the event is not sequenced or not yet signed."""
    position = position_of(event_id=event_id)
    if position is None:
        return None
    return Checkpoint.objects.filter(size__gte=position).order_by("size").first()
