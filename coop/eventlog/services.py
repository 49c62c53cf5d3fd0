"""The write side of the event log. `event_record` is the only way an event is written."""

from django.db import models

from coop.core.db import execute_one
from coop.core.entropy import token_bytes
from coop.eventlog.canonical import canonical_bytes
from coop.eventlog.clock import now_us as now_us
from coop.eventlog.listeners import event_heard, listeners_for
from coop.ops import metrics

INSERT_SQL = (
    "INSERT INTO eventlog_event (type, coop_id, actor_id, subject_type, subject_id, payload, salt, occurred_at) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id"
)


def _subject_ref(subject):
    if subject is None:
        return "", ""
    if isinstance(subject, tuple):
        kind, pk = subject
        return str(kind), str(pk)
    meta = subject._meta
    return f"{meta.app_label}.{meta.model_name}", str(subject.pk)


# DESIGN.md seam 13: no event of a ballot carries its choice or a ballot id.
BALLOT_SECRET_KEYS = frozenset({"choice", "choices", "ballot", "ballot_id", "vote", "answer", "option"})


def event_statement(*, type: str, subject: models.Model | tuple[str, int | str] | None = None,
                    payload: dict | None = None, coop: models.Model | int | None = None,
                    actor: models.Model | int | None = None, occurred_at: int | None = None) -> tuple[str, list]:
    """The INSERT that `event_record` runs, as `(sql, params)`, without running it: the same
    checks and the same row. For a service that must write its event and its change in one
    SQL statement (the ledger on PostgreSQL embeds it in a data-modifying CTE); the SQL of
    an event is still written only here."""
    body = dict(payload or {})
    if type.startswith("ballot.") and BALLOT_SECRET_KEYS.intersection(body):
        raise ValueError(f"{type} events must not carry a choice or a ballot id (DESIGN.md seam 13)")
    actor_id = getattr(actor, "pk", actor)
    if actor_id is not None:
        body.setdefault("actor", actor_id)
    data = canonical_bytes(body)
    subject_type, subject_id = _subject_ref(subject)
    coop_id = getattr(coop, "pk", coop)
    return INSERT_SQL, [type, coop_id, actor_id, subject_type, subject_id, data, token_bytes(16),
                        occurred_at or now_us()]


def event_record(*, type: str, subject: models.Model | tuple[str, int | str] | None = None, payload: dict | None = None,
                 coop: models.Model | int | None = None, actor: models.Model | int | None = None,
                 occurred_at: int | None = None) -> int:
    """Insert one event in the caller's transaction and return its id.

    `subject` is a model instance or a `(type, id)` pair. `payload` must be JSON made of
    ids, integers and short codes (no names or private free text: see DESIGN.md seam 10);
    the actor id is added to it. One raw INSERT: no ORM overhead on every service call."""
    sql, params = event_statement(type=type, subject=subject, payload=payload, coop=coop, actor=actor,
                                  occurred_at=occurred_at)
    event_id = execute_one(sql, params)[0]
    metrics.event_recorded(type)
    if listeners_for(type):  # the registry of coop/eventlog/listeners.py (webhooks, ...)
        event_heard(event_id=event_id, type=type, coop_id=params[1], actor_id=params[2], subject_type=params[3],
                    subject_id=params[4], payload=dict(payload or {}))
    return event_id
