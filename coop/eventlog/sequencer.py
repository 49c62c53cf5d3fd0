"""The sequencer: the only writer of positions (DESIGN.md seam 9).

Events are inserted by `event_record` in their service's transaction, and transactions
commit out of order, so positions are given afterwards, here, only to events whose
transaction has finished:

- PostgreSQL: `txid` below the horizon: the oldest transaction of this database still running
  in the statement's snapshot (`pg_snapshot_xmin(pg_current_snapshot())` without the
  transactions pg_stat_activity places in other databases). Every transaction of this
  database below it has finished, and no new one can get a txid below it, so the order
  (txid, event id) among them is final. One sequencer at a time: a transaction-level
  advisory lock (`pg_try_advisory_xact_lock`); a second caller returns at once.
- SQLite: one writer. The sequencer's transaction starts with BEGIN IMMEDIATE (settings), so
  every event it can see is committed and every later one gets a larger id: order by id.

Each batch is one short transaction that reads the last position, numbers the next events
and inserts their leaf and chain hashes into `eventlog_sequenced` (insert-only). A crash
rolls the batch back; the next run resumes from the last committed position."""

from django.db import connection, transaction

from coop.eventlog.clock import now_us
from coop.eventlog.leaves import GENESIS, chain_next, leaf_of, payload_hash

ADVISORY_LOCK = 0x4154454C_0001  # "ATEL" + 1: the sequencer
BATCH = 2000
# After a pass that found events, the loop waits this long before the next: under load each
# pass then numbers a batch of commits instead of one or two (a pass costs a horizon query,
# a read and a commit whatever its size: polling after every commit took a fifth of the
# machine from the writers), and the lag stays tens of milliseconds, far under the 1 s goal.
PAUSE = 0.05

_LAST_SQL = (
    "SELECT s.position, s.chain_hash, e.txid, e.id FROM eventlog_sequenced s "
    "JOIN eventlog_event e ON e.id = s.event_id ORDER BY s.position DESC LIMIT 1"
)
_COLUMNS = "e.id, e.occurred_at, e.coop_id, e.type, e.subject_type, e.subject_id, e.payload, e.salt"
_PENDING_PG = (
    f"SELECT {_COLUMNS} FROM eventlog_event e "
    "WHERE (e.txid, e.id) > (%s, %s) AND e.txid < {horizon} "
    "ORDER BY e.txid, e.id LIMIT %s"
)
# The oldest transaction still running *in this database*, as of this statement's snapshot
# (its xmax when none runs). pg_snapshot_xmin alone is cluster-wide: a long transaction in
# any other database of the cluster would hold the log back. A running xid is skipped only
# when pg_stat_activity attributes it to another database (a backend never changes database);
# an xid it cannot attribute (a prepared transaction, track_activities off) counts as ours.
# The caller's own transaction is not finished either: when `sequence_pending` is called inside
# a transaction that wrote events, those events (and any later) wait for a later run, so the
# result does not depend on what other sessions happen to be doing (LEAST ignores NULL).
HORIZON_FINISHED = (
    "(SELECT LEAST((SELECT min(x::text::bigint) FROM pg_snapshot_xip(pg_current_snapshot()) AS x "
    "WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.backend_xid = x::xid "
    "AND a.datname IS DISTINCT FROM current_database())), "
    "pg_snapshot_xmax(pg_current_snapshot())::text::bigint, "
    "pg_current_xact_id_if_assigned()::text::bigint))"
)
# Tests only: a test's own transaction never finishes (it is rolled back), so tests that are
# not `transaction=True` may also number the events of the current transaction.
HORIZON_INCLUDING_OWN = "(pg_current_xact_id()::text::bigint + 1)"
_PENDING_SQLITE = f"SELECT {_COLUMNS} FROM eventlog_event e WHERE e.id > %s ORDER BY e.id LIMIT %s"
_COPY = "COPY eventlog_sequenced (position, event_id, leaf_hash, chain_hash, sequenced_at) FROM STDIN"
_INSERT = ("INSERT INTO eventlog_sequenced (position, event_id, leaf_hash, chain_hash, sequenced_at) "
           "VALUES (%s, %s, %s, %s, %s)")


def _sequence_batch(batch, include_own):
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        if postgres:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [ADVISORY_LOCK])
            if not cursor.fetchone()[0]:
                return 0
        cursor.execute(_LAST_SQL)
        last = cursor.fetchone()
        position, chain, last_txid, last_id = last if last else (0, GENESIS, 0, 0)
        chain = bytes(chain)
        if postgres:
            horizon = HORIZON_INCLUDING_OWN if include_own else HORIZON_FINISHED
            cursor.execute(_PENDING_PG.format(horizon=horizon), [last_txid or 0, last_id, batch])
        else:
            cursor.execute(_PENDING_SQLITE, [last_id, batch])
        rows = cursor.fetchall()
        if not rows:
            return 0
        now = now_us()
        values = []
        for event_id, occurred_at, coop_id, type_, subject_type, subject_id, payload, salt in rows:
            position += 1
            leaf = leaf_of(position=position, time=occurred_at, coop=coop_id, type=type_,
                           subject_type=subject_type, subject_id=subject_id,
                           payload_hash_hex=payload_hash(salt, payload).hex())
            chain = chain_next(chain, leaf)
            values.append((position, event_id, leaf, chain, now))
        if postgres:
            # One COPY for the batch: one statement, not one executor run per position.
            with connection.connection.cursor() as raw, raw.copy(_COPY) as copy:
                for row in values:
                    copy.write_row(row)
        else:
            cursor.executemany(_INSERT, values)
        return len(values)


def sequence_pending(*, batch=BATCH, include_own=False):
    """Give positions to every event of a finished transaction; return how many.

    Safe to call from anywhere at any time (a loop, a job, a test): only one caller works at
    a time and the others return 0. `include_own=True` is for tests that run inside their
    own rolled-back transaction only (PostgreSQL): it numbers that transaction's events too."""
    total = 0
    while True:
        done = _sequence_batch(batch, include_own)
        total += done
        if done < batch:
            return total


def pause_after(done, *, idle):
    """How long a sequencer loop sleeps after a pass that numbered `done` events (the pass
    drains the backlog before returning): `PAUSE` after work, `idle` when nothing came."""
    return PAUSE if done else idle


def sequenced_size():
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(position), 0) FROM eventlog_sequenced")
        return cursor.fetchone()[0]
