"""The sequencer outlives its database connection (issue 24, defect 5): its backend is
terminated in the middle of a round, and it reconnects, resumes from the chain head and
numbers every event once, in a real `manage.py run_sequencer` process."""

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, connections, transaction

from coop.eventlog.models import Event, Sequenced
from coop.eventlog.sequencer_loop import backoff, connection_lost
from coop.eventlog.services import event_record
from coop.eventlog.verify import verify_log
from tests.eventlog.conftest import TEST_SEED
from tests.factories import CoopFactory


def _record(coop_id, n):
    event_record(type="test.happened", coop=coop_id, subject=("thing", n), payload={"n": n})


def _record_in_thread(coop_id, numbers):
    def run():
        try:
            for n in numbers:
                _record(coop_id, n)  # autocommit: each event is its own committed transaction
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)


def _wait(condition, timeout=60, what=""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _sequencer_waiting_pid():
    """The backend waiting for the lock this test's connection holds: the sequencer's, in the
    middle of a batch (it read the chain head and the pending events, and waits to write)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_locks WHERE relation = 'eventlog_sequenced'::regclass AND NOT granted")
        row = cursor.fetchone()
    return row[0] if row else None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_run_sequencer_reconnects_after_its_backend_is_terminated_mid_round():
    coop = CoopFactory()
    db = connection.settings_dict
    env = dict(os.environ, DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
                                        f"{db['PORT'] or 5432}/{db['NAME']}", LOG_LEVEL="WARNING",
               EVENTLOG_SIGNING_KEY=TEST_SEED)
    proc = subprocess.Popen([sys.executable, "manage.py", "run_sequencer", "--interval", "0.05"],
                            cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        for n in range(5):
            _record(coop.pk, n)
        _wait(lambda: proc.poll() is not None or Sequenced.objects.count() == Event.objects.count(),
              what="the first events to be sequenced")
        assert proc.poll() is None, proc.communicate()[0]
        before = Sequenced.objects.count()
        # Hold the table so the sequencer's next round stops inside its batch (at the COPY),
        # then terminate its backend there.
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("LOCK TABLE eventlog_sequenced IN EXCLUSIVE MODE")
            _record_in_thread(coop.pk, range(5, 10))
            _wait(lambda: _sequencer_waiting_pid() is not None, what="the sequencer to block mid-round")
            pid = _sequencer_waiting_pid()
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
                assert cursor.fetchone()[0] is True
        assert Sequenced.objects.count() == before  # the interrupted batch wrote nothing
        for n in range(10, 15):
            _record(coop.pk, n)
        _wait(lambda: Sequenced.objects.count() == before + 10, what="every event to be sequenced")
        assert proc.poll() is None  # still running
        positions = list(Sequenced.objects.order_by("position").values_list("position", flat=True))
        assert positions == list(range(1, len(positions) + 1))
        assert verify_log().ok
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            output, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            output, _ = proc.communicate()
    assert proc.returncode == 0, output
    assert "sequencer: database connection lost" in output, output
    assert "resuming from the chain head" in output and "reconnected after 1 failed round(s)" in output, output


def test_sequencer_backoff_doubles_to_its_cap():
    assert [backoff(n) for n in range(1, 9)] == [0.5, 1, 2, 4, 8, 16, 30, 30]


class _Driver(Exception):
    def __init__(self, sqlstate):
        self.sqlstate = sqlstate


def _wrapped(cls, sqlstate):
    exc = cls("boom")
    exc.__cause__ = _Driver(sqlstate)
    return exc


def test_connection_lost_tells_a_dead_connection_from_a_failed_statement():
    assert connection_lost(_wrapped(OperationalError, "57P01"))  # pg_terminate_backend
    assert connection_lost(_wrapped(OperationalError, "08006"))
    assert connection_lost(_wrapped(InterfaceError, None))  # the socket closed under the driver
    assert connection_lost(OperationalError("server closed the connection unexpectedly"))
    assert not connection_lost(_wrapped(OperationalError, "40P01"))  # a deadlock is not a lost connection
    assert not connection_lost(_wrapped(DatabaseError, None))
