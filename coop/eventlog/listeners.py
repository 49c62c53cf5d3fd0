"""Who hears an event as it is recorded: a registry the higher layers fill.

The event log is the lowest domain layer; an app above it that must react to another app's
writes (the requester's webhooks react to assignments, appeals and projects) registers a
listener for event types from its `AppConfig.ready()`. `event_record` calls each listener of
the event's type with an `EventFacts`, inside the writer's transaction, after the INSERT.

A listener must be cheap and must not write: it defers its work with
`transaction.on_commit` (ids only), so the writer's statements and query counts stay what
they were and nothing happens for a change that rolls back. Events written through
`event_statement` (the ledger's one-statement postings, the claim) are not heard."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class EventFacts:
    id: int
    type: str
    coop_id: int | None
    actor_id: int | None
    subject_type: str
    subject_id: str
    payload: dict = field(default_factory=dict)
    # whether the organisation the payload names has an active webhook subscription, when the
    # writer read it in its own statement (`atelier_submit`); None: not known, ask
    subscribed: bool | None = None


_LISTENERS: dict[str, list] = {}


def register_listener(*types: str, listener):
    """`listener(facts: EventFacts)` is called for every event of one of `types`. Registering
    the same listener twice for a type keeps one (ready() may run twice in tests)."""
    for type_ in types:
        found = _LISTENERS.setdefault(type_, [])
        if listener not in found:
            found.append(listener)


def listeners_for(type_: str):
    return _LISTENERS.get(type_, ())


def event_heard(*, event_id: int, type: str, coop_id, actor_id, subject_type: str, subject_id: str, payload: dict,
                subscribed: bool | None = None):
    """Call the listeners of `type` (none registered: nothing, no cost beyond a dict lookup)."""
    listeners = _LISTENERS.get(type)
    if not listeners:
        return
    facts = EventFacts(id=event_id, type=type, coop_id=coop_id, actor_id=actor_id, subject_type=subject_type,
                       subject_id=subject_id, payload=dict(payload), subscribed=subscribed)
    for listener in listeners:
        listener(facts)
