"""The audit pages of a coop: the latest signed checkpoint, how to verify, the public feed of
the coop's events (filter by type), and one event with its inclusion proof. Public: envelopes
are public; a payload shows only to a reader allowed to see it (selectors.event_view)."""

import json
from datetime import UTC, datetime

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from coop.eventlog import merkle, selectors
from coop.eventlog.labels import event_label
from coop.eventlog.leaves import envelope_bytes
from coop.federation.access import event_reader_for
from coop.federation.models import Coop

PAGE = 50


def _when(us):
    return datetime.fromtimestamp(us / 1_000_000, tz=UTC)


def _checkpoint(checkpoint):
    if checkpoint is None:
        return None
    data = selectors.checkpoint_view(checkpoint)
    data["signed_at"] = _when(checkpoint.signed_at)
    return data


def _parse_int(value):
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0


def audit(request, slug):
    coop = get_object_or_404(Coop, slug=slug)
    types = selectors.event_types(coop_id=coop.pk)
    chosen = request.GET.get("type", "")
    if chosen not in types:
        chosen = ""
    before = _parse_int(request.GET.get("before"))
    rows = selectors.events_feed(coop_id=coop.pk, type=chosen or None, before=before or None, limit=PAGE + 1,
                                 newest_first=True)
    older = rows[PAGE - 1].position if len(rows) > PAGE else None
    events = [dict(view, when=_when(row.event.occurred_at), label=event_label(row.event.type))
              for row, view in zip(rows[:PAGE], selectors.events_view(rows[:PAGE]), strict=True)]
    return render(request, "eventlog/audit.html", {
        "coop": coop, "checkpoint": _checkpoint(selectors.checkpoint_latest()), "events": events,
        "types": sorted(((t, event_label(t) or t) for t in types), key=lambda pair: str(pair[1])),
        "chosen": chosen, "older": older, "base_url": request.build_absolute_uri("/").rstrip("/"),
    })


@require_safe
def event_detail(request, slug, position):
    coop = get_object_or_404(Coop, slug=slug)
    row = selectors.event_at(position=position)
    if row is None or row.event.coop_id != coop.pk:
        raise Http404
    reader = event_reader_for(user=request.user)
    event = selectors.event_view(row, reader)
    envelope = envelope_bytes(position=row.position, time=row.event.occurred_at, coop=row.event.coop_id,
                              type=row.event.type, subject_type=row.event.subject_type,
                              subject_id=row.event.subject_id, payload_hash_hex=event["payload_hash"]).decode()
    checkpoint = selectors.checkpoint_latest()
    proof = None
    if checkpoint is not None and position <= checkpoint.size:
        proof = selectors.inclusion_proof(position=position, size=checkpoint.size)
        try:
            merkle.verify_inclusion(position - 1, checkpoint.size, bytes.fromhex(proof["leaf_hash"]),
                                    [bytes.fromhex(h) for h in proof["proof"]], bytes(checkpoint.root))
            proof["verified"] = True
        except merkle.ProofError:
            proof["verified"] = False
    payload_json = json.dumps(event["payload"], indent=1, sort_keys=True) if "payload" in event else None
    return render(request, "eventlog/event.html", {
        "coop": coop, "event": event, "label": event_label(row.event.type), "when": _when(row.event.occurred_at),
        "envelope": envelope,
        "checkpoint": _checkpoint(checkpoint), "proof": proof, "payload_json": payload_json,
    })
