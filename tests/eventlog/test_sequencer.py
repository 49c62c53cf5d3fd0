import random
import threading
import time

import pytest
from django.db import connection, connections, transaction

from coop.eventlog import sequencer
from coop.eventlog.models import Event, Sequenced
from coop.eventlog.sequencer import sequence_pending
from coop.eventlog.services import event_record
from coop.eventlog.verify import verify_log
from tests.eventlog.helpers import sequence_all, sequence_until
from tests.factories import CoopFactory


@pytest.mark.django_db
def test_sequence_pending_numbers_events_once_in_order():
    coop = CoopFactory()
    ids = [event_record(type="test.happened", coop=coop, subject=("thing", n), payload={"n": n}) for n in range(5)]
    assert sequence_all() == 5
    assert sequence_all() == 0
    assert list(Sequenced.objects.order_by("position").values_list("position", "event_id")) == list(
        zip(range(1, 6), ids, strict=True))
    assert verify_log().ok


@pytest.mark.django_db
def test_sequence_pending_works_in_batches():
    for n in range(7):
        event_record(type="test.happened", subject=("thing", n), payload={"n": n})
    assert sequencer.sequence_pending(batch=3, include_own=connection.vendor == "postgresql") == 7
    assert Sequenced.objects.count() == 7
    assert verify_log().ok


def _record(n, coop_id):
    event_record(type="test.happened", coop=coop_id, subject=("thing", n), payload={"n": n})


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sequencer_waits_for_an_older_open_transaction():
    """A transaction that started writing first holds back everything after it: positions are
    only given below the horizon, so no event ever gets a position below one already given."""
    coop = CoopFactory()
    wrote, release, done = threading.Event(), threading.Event(), threading.Event()

    def slow_writer():
        try:
            with transaction.atomic():
                _record(1, coop.pk)
                wrote.set()
                release.wait(10)
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert wrote.wait(10)
    with transaction.atomic():
        _record(2, coop.pk)  # commits before the slow one
    assert sequence_pending() == 0
    release.set()
    assert done.wait(10)
    thread.join()
    sequence_until(2)
    positions = dict(Sequenced.objects.values_list("event__payload", "position"))
    assert positions[b'{"n":1}'] == 1 and positions[b'{"n":2}'] == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sequencer_under_concurrent_writers_with_a_crash_and_restart(monkeypatch):
    """8 writers commit (and sometimes roll back) real transactions out of order while the
    sequencer runs; midway the sequencer crashes inside a batch and a new one (plus a rival
    that must wait on the advisory lock) takes over. An observer checks that a position, once
    seen, never changes. At the end every committed event has exactly one position, positions
    run 1..N, and their order is (txid, id)."""
    coop = CoopFactory()
    writers, per_writer = 8, 30
    stop = threading.Event()
    errors = []
    seen = {}
    crash_thread = {}
    real_chain_next = sequencer.chain_next
    calls = {"n": 0}

    def crashing_chain_next(previous, leaf):
        if threading.current_thread() is crash_thread.get("t"):
            calls["n"] += 1
            if calls["n"] == 40:
                raise RuntimeError("sequencer crashed mid-batch")
        return real_chain_next(previous, leaf)

    monkeypatch.setattr(sequencer, "chain_next", crashing_chain_next)

    def writer(w):
        rng = random.Random(w)
        try:
            for i in range(per_writer):
                try:
                    with transaction.atomic():
                        for k in range(rng.randint(1, 3)):
                            _record(w * 1000 + i * 10 + k, coop.pk)
                        time.sleep(rng.random() * 0.004)
                        if rng.random() < 0.15:
                            raise ValueError("rolled back")
                except ValueError:
                    pass
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def run_sequencer(until):
        try:
            while not until.is_set():
                sequence_pending(batch=50)
                time.sleep(0.002)
        except RuntimeError as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    def observer():
        try:
            while not stop.is_set():
                for position, event_id in Sequenced.objects.values_list("position", "event_id"):
                    if seen.setdefault(position, event_id) != event_id:
                        errors.append(AssertionError(f"position {position} changed"))
                time.sleep(0.01)
        finally:
            connections.close_all()

    first_stop = threading.Event()
    first = threading.Thread(target=run_sequencer, args=(first_stop,))
    crash_thread["t"] = first
    threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    watcher = threading.Thread(target=observer)
    first.start()
    watcher.start()
    for t in threads:
        t.start()
    first.join(timeout=60)  # it crashes after 40 leaves
    assert [str(e) for e in errors] == ["sequencer crashed mid-batch"]
    errors.clear()
    after_crash = Sequenced.objects.count()
    second_stop = threading.Event()
    second = threading.Thread(target=run_sequencer, args=(second_stop,))
    rival = threading.Thread(target=run_sequencer, args=(second_stop,))
    second.start()
    rival.start()
    for t in threads:
        t.join(timeout=120)
    second_stop.set()
    second.join()
    rival.join()
    stop.set()
    watcher.join()
    sequence_until(Event.objects.count())

    assert errors == []
    assert after_crash < Sequenced.objects.count()
    committed = list(Event.objects.order_by("txid", "id").values_list("id", flat=True))
    rows = list(Sequenced.objects.order_by("position").values_list("position", "event_id"))
    assert [p for p, _ in rows] == list(range(1, len(committed) + 1))
    assert [e for _, e in rows] == committed
    assert len(committed) > writers * per_writer  # 1-3 events per committed transaction
    assert all(dict(rows)[p] == e for p, e in seen.items())
    assert verify_log().ok


@pytest.mark.django_db
def test_sequencer_backstop_is_scheduled_every_minute():
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name="eventlog.sequence_backstop")
    assert (schedule.func, schedule.schedule_type, schedule.minutes) == (
        "coop.eventlog.jobs.sequence_backstop", Schedule.MINUTES, 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_run_sequencer_once_and_the_backstop_job_sequence_and_sign():
    from django.core.management import call_command

    from coop.eventlog.jobs import sequence_backstop
    from coop.eventlog.models import Checkpoint

    _record(1, None)
    sequence_until(1, step=lambda: call_command("run_sequencer", "--once"))
    call_command("run_sequencer", "--once")  # signs on start what was sequenced since the last checkpoint
    assert list(Checkpoint.objects.values_list("size", flat=True)) == [1]
    _record(2, None)
    sequence_until(2, step=sequence_backstop)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_open_transaction_in_another_database_does_not_hold_the_log_back():
    """pg_snapshot_xmin is cluster-wide; the sequencer's horizon only counts this database."""
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    other_db = "postgres"  # another database of the same cluster (always there)
    with psycopg.connect(host=db.get("HOST") or "127.0.0.1", port=db.get("PORT") or 5432,
                         user=db.get("USER") or "postgres", dbname=other_db) as other:
        other.execute("SELECT pg_current_xact_id()")  # an open transaction with an xid
        with transaction.atomic():
            _record(1, None)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint <= %s",
                           [other.execute("SELECT pg_current_xact_id()::text::bigint").fetchone()[0]])
            assert cursor.fetchone()[0]  # the cluster-wide horizon is held back by it
        sequence_until(1, timeout=30)
        other.rollback()
