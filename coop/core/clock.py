"""The product's clock: the time a service, the event log, the throttles and the member API read
when no caller passes `now=`.

`now()` is `django.utils.timezone.now()` (the wall clock), except inside `clock_set(at)`: then
it is `at`. The market simulator (docs/simulation.md) is the one user of `clock_set`: it runs
each simulated instant inside it, so that what it reaches without passing `now=` (the member
API's requests, the event times, the sequencer, checkpoints) is stamped with the simulation's
time and not days behind it. The value lives in a `ContextVar`: it holds for the calling thread
(or asyncio task) only, and nothing else in a server process ever sees it.

Services that take `now=` still take it; the services reached through the member API
(claim, draft, submit, return), the rulebook in force, the event log's clock, API-key
bookkeeping and the request throttles read this function for their default."""

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

from django.utils import timezone

_AT: ContextVar[datetime | None] = ContextVar("atelier_clock", default=None)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def now() -> datetime:
    """The current time: the wall clock, or the instant `clock_set` holds in this context."""
    at = _AT.get()
    return timezone.now() if at is None else at


def now_us() -> int | None:
    """The instant `clock_set` holds, as microseconds since the epoch; None on the wall clock
    (the event log then reads `time.time_ns()` itself, the cheaper call)."""
    at = _AT.get()
    return None if at is None else (at - _EPOCH) // _MICROSECOND


@contextmanager
def clock_set(at: datetime):
    """Inside this block (this thread or task only) `now()` is `at`, an aware datetime."""
    if at.tzinfo is None:
        raise ValueError("clock_set needs an aware datetime")
    token = _AT.set(at)
    try:
        yield at
    finally:
        _AT.reset(token)
