"""Test helpers for the event log: sequencing inside a test transaction, and an attacker's
way around the append-only triggers."""

from contextlib import contextmanager

from django.db import connection

from coop.eventlog.erasure import SQLITE_EVENT_GUARD
from coop.eventlog.sequencer import sequence_pending

TABLES = ("eventlog_event", "eventlog_sequenced", "eventlog_checkpoint")


def sequence_all():
    """Sequence everything, including this test's own (never committed) transaction."""
    return sequence_pending(include_own=connection.vendor == "postgresql")


@contextmanager
def triggers_disabled(*tables):
    """What an attacker with database access does: switch the append-only triggers off."""
    tables = tables or TABLES
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE refuses while deferred foreign-key checks are pending: fire them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            for table in tables:
                for op in ("update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                for table in tables:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            else:
                for table in tables:
                    for op in ("UPDATE", "DELETE"):
                        if table == "eventlog_event" and op == "UPDATE":  # it may erase a payload (0006)
                            cursor.execute(SQLITE_EVENT_GUARD)
                            continue
                        cursor.execute(f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END;")


def sequence_until(count, timeout=60, step=sequence_pending):
    """Run `step` until `count` events are sequenced (polling: a transaction of another thread
    or process may still be finishing)."""
    import time

    from coop.eventlog.models import Sequenced

    deadline = time.monotonic() + timeout
    while Sequenced.objects.count() < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"only {Sequenced.objects.count()} of {count} events sequenced in {timeout} s")
        step()
        time.sleep(0.05)
