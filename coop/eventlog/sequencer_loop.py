"""The long-running sequencer: `sequence_pending` and `checkpoint_sign_if_due` in a loop that
outlives its database connection.

A dropped connection (a restarted or failed-over server, `pg_terminate_backend`, a network
cut) aborts the round in progress; its transaction rolls back, so nothing half-done stays.
The loop logs it, closes the dead connection, waits (0.5 s, doubling to 30 s while the
database stays unreachable) and starts a new round, which reads the chain head again from
`eventlog_sequenced` and continues from there: no position is skipped or given twice."""

import contextlib
import logging
import time

import psycopg
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections, connection

from coop.eventlog.checkpoints import checkpoint_sign, checkpoint_sign_if_due
from coop.eventlog.sequencer import pause_after, sequence_pending

logger = logging.getLogger("coop.eventlog.sequencer")

BACKOFF_FIRST = 0.5
BACKOFF_MAX = 30.0
# Connection-level failures only: the sequencer's own bugs (a programming error, a broken
# invariant) still stop it, loudly. psycopg's own classes too: the batch COPY runs on the
# driver's cursor, whose errors Django does not wrap.
CONNECTION_ERRORS = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)


def backoff(failures, *, first=BACKOFF_FIRST, cap=BACKOFF_MAX):
    """Seconds to wait after the `failures`-th failure in a row (1, 2, ...)."""
    return min(cap, first * 2 ** (failures - 1))


def connection_lost(exc):
    """True for an error that means the connection (not the statement) failed."""
    if isinstance(exc, DatabaseError) and not isinstance(exc, CONNECTION_ERRORS):
        return False
    cause = exc.__cause__ if isinstance(exc, DatabaseError) and exc.__cause__ is not None else exc
    state = getattr(cause, "sqlstate", None)
    # 57P01 admin shutdown (pg_terminate_backend), 57P02/57P03 crash or starting up, 08xxx
    # connection exceptions; no SQLSTATE at all: the socket closed under the driver.
    return state is None or state.startswith(("57P", "08"))


def _sleep(seconds, stopping):
    deadline = time.monotonic() + seconds
    while not stopping() and time.monotonic() < deadline:
        time.sleep(min(0.1, deadline - time.monotonic()))


def sequencer_run(*, interval=0.2, once=False, stopping=lambda: False):
    """Sequence and sign until `stopping()` is true (or after one round with `once`).

    On start it first numbers the backlog and signs a checkpoint for whatever was recorded
    while no sequencer ran. Returns the number of reconnections it made."""
    failures = reconnects = 0
    started = False
    while not stopping():
        try:
            close_old_connections()
            if not started:
                sequence_pending()
                checkpoint_sign()
                started = True
            done = sequence_pending()
            checkpoint_sign_if_due()
        except CONNECTION_ERRORS as exc:
            if not connection_lost(exc):
                raise
            failures += 1
            delay = backoff(failures)
            logger.warning("sequencer: database connection lost (%s); reconnecting in %.1f s and resuming "
                           "from the chain head", str(exc).strip().splitlines()[0] if str(exc).strip() else
                           type(exc).__name__, delay)
            with contextlib.suppress(DatabaseError, psycopg.Error):
                connection.close()
            _sleep(delay, stopping)
            continue
        if failures:
            reconnects += 1
            logger.warning("sequencer: reconnected after %d failed round(s); resumed from the chain head", failures)
            failures = 0
        if once:
            break
        time.sleep(pause_after(done, idle=interval))
    return reconnects
