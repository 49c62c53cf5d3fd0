"""The production topology without containers (issue 22, docs/deploy.md): two web processes
on two ports, two job clusters and two sequencers, each started with the documented command
(`manage.py run_stack --only web|jobs|sequencer`) on PostgreSQL and Redis.

- a forum message posted on web 1 arrives live on a socket of web 2;
- a batch claimed through both web processes gives no duplicate;
- a job scheduled once runs once across both clusters, and queued jobs run once each;
- killing a web process in the middle of requests loses no acknowledged write and leaves no
  half-done one, and its supervisor brings it back;
- only one sequencer numbers events at a time; when it is killed the other carries on, with
  the chain intact."""

import asyncio
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

from coop.eventlog.sequencer import ADVISORY_LOCK
from coop.eventlog.verify import verify_log
from coop.forums.registry import room_for
from coop.ops.health import sequencer_lag
from tasks.models import Assignment, Slot
from tests.core.test_run_stack import children_of
from tests.factories import member, published_project, session_cookie
from tests.forums.conftest import free_port
from tests.forums.conftest import test_database_url as database_url
from tests.forums.test_live import frame, joined, open_socket

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class Stack:
    """One `run_stack --only <kind>` process group (the supervisor and its children)."""

    def __init__(self, kind, log_dir, **env):
        self.kind = kind
        self.port = free_port() if kind == "web" else None
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        full_env = {**os.environ, "DATABASE_URL": database_url(), "REDIS_URL": settings.REDIS_URL,
                    "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "coop.settings", "Q_WORKERS": "1",
                    "PASSWORD_HASHERS": ",".join(settings.PASSWORD_HASHERS), **env}
        if self.port:
            full_env["PORT"] = str(self.port)
        full_env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.log = open(Path(log_dir) / f"{kind}-{secrets.token_hex(3)}.log", "w+")
        self.process = subprocess.Popen([sys.executable, "manage.py", "run_stack", "--only", kind],
                                        cwd=settings.BASE_DIR, env=full_env, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def output(self):
        self.log.flush()
        return Path(self.log.name).read_text()[-3000:]

    def wait_ready(self, timeout=90):
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, self.output()
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=2).read()
                return
            except OSError:
                assert time.monotonic() < deadline, self.output()
                time.sleep(0.3)

    def server_pid(self):
        """The uvicorn child of this supervisor."""
        kids = children_of(self.process.pid)
        return kids[0] if kids else None

    def stop(self, sig=signal.SIGTERM):
        """Stop the supervisor and everything it started. Its children run in their own
        sessions (so a Ctrl-C reaches the supervisor first), so a SIGKILL of the supervisor
        alone would orphan them: their groups are killed too."""
        kids = children_of(self.process.pid) if self.process.poll() is None else []
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        for kid in kids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(kid, signal.SIGKILL)
        if not self.log.closed:
            self.log.close()


@pytest.fixture
def topology(tmp_path, transactional_db):
    assert settings.REDIS_URL, "the topology test runs in the PostgreSQL + Redis pass"
    cache.clear()
    stacks = {name: Stack(kind, tmp_path) for name, kind in [
        ("web1", "web"), ("web2", "web"), ("jobs1", "jobs"), ("jobs2", "jobs"),
        ("seq1", "sequencer"), ("seq2", "sequencer")]}
    try:
        stacks["web1"].wait_ready()
        stacks["web2"].wait_ready()
        yield stacks
    finally:
        for stack in stacks.values():
            stack.stop()


def call(server, method, path, *, cookie=None, body=None):
    """An API call with a session cookie and the CSRF pair a browser would send."""
    token = secrets.token_hex(16)  # a 32-character CSRF secret, sent as cookie and header
    headers = {"Content-Type": "application/json", "X-CSRFToken": token,
               "Cookie": f"csrftoken={token}" + (f"; sessionid={cookie}" if cookie else "")}
    request = urllib.request.Request(server.url + path, method=method, headers=headers,
                                     data=json.dumps(body or {}).encode())
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def test_the_production_topology_holds_together(topology):
    web1, web2 = topology["web1"], topology["web2"]

    # -- a forum message posted on web 1 arrives live on a socket of web 2 -----------------
    alice = member()
    bob = member(coop=alice.coop)
    room = room_for(alice.coop)
    cookies = {"alice": session_cookie(alice.user), "bob": session_cookie(bob.user)}

    async def forum():
        sock_a = await open_socket(web1, cookies["alice"])
        sock_b = await open_socket(web2, cookies["bob"])
        await joined(sock_a, room.pk)
        await joined(sock_b, room.pk)
        await sock_a.send(json.dumps({"type": "post", "room": room.pk, "body": "posted on web 1"}))
        got = await frame(sock_b, "message")
        assert got["message"]["body"] == "posted on web 1"
        await sock_a.close()
        await sock_b.close()

    asyncio.run(forum())

    # -- a batch claimed through both web processes: no duplicate ----------------------------
    project = published_project(alice.coop, tasks=12)
    workers = [member(coop=alice.coop) for _ in range(18)]
    worker_cookies = [session_cookie(w.user) for w in workers]
    results = []

    def claim(i):
        server = web1 if i % 2 else web2
        results.append(call(server, "POST", f"/api/projects/{project.pk}/claim/", cookie=worker_cookies[i]))

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(status for status, _ in results)
    assert statuses.count(201) == 12, results
    assert all(status == 409 for status in statuses if status != 201), results
    claimed = Assignment.objects.filter(project=project)
    assert claimed.count() == 12
    assert claimed.values("slot").distinct().count() == 12
    assert claimed.values("member").distinct().count() == 12

    # -- jobs: a schedule due once runs once; queued jobs run once each ----------------------
    Schedule.objects.create(func="tests.deploy.topology_jobs.count_run", args="'scheduled-once'",
                            schedule_type=Schedule.ONCE, repeats=1, next_run=timezone.now() - timedelta(seconds=1))
    for n in range(10):
        async_task("tests.deploy.topology_jobs.count_run", f"queued-{n}", sync=False)
    wait_for(lambda: all(cache.get(f"queued-{n}") for n in range(10)), 60, "the queued jobs")
    wait_for(lambda: cache.get("scheduled-once"), 75, "the scheduled job")
    time.sleep(2)  # long enough for a second run to show, were there one
    assert [cache.get(f"queued-{n}") for n in range(10)] == [1] * 10
    assert cache.get("scheduled-once") == 1

    # -- a web process killed in the middle of requests loses nothing acknowledged -----------
    second = published_project(alice.coop, tasks=30)
    more = [member(coop=alice.coop) for _ in range(30)]
    more_cookies = [session_cookie(w.user) for w in more]
    acknowledged, lock = [], threading.Lock()

    def claim_on_web1(i):
        try:
            status, body = call(web1, "POST", f"/api/projects/{second.pk}/claim/", cookie=more_cookies[i])
        except OSError:
            return  # the process died under this request: no answer
        if status == 201:
            with lock:
                acknowledged.append(body["id"])

    threads = [threading.Thread(target=claim_on_web1, args=(i,)) for i in range(len(more))]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    os.kill(web1.server_pid(), signal.SIGKILL)
    for thread in threads:
        thread.join()
    # Both counts in ONE statement (one snapshot): a claim is one autocommitted statement (the
    # database function, issue 18), which its backend may still finish after the web process died,
    # so two reads could fall on either side of its commit.
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT COALESCE(array_agg(id), '{}') FROM tasks_assignment WHERE project_id = %s), "
                       "(SELECT count(*) FROM tasks_slot WHERE project_id = %s AND status = %s)",
                       [second.pk, second.pk, Slot.Status.TAKEN])
        assignment_ids, taken = cursor.fetchone()
    saved = set(assignment_ids)
    assert set(acknowledged) <= saved
    assert taken == len(saved)  # a slot is taken exactly when its assignment exists: no half-claim
    web1.wait_ready()  # the supervisor restarted the server
    assert call(web1, "GET", "/healthz")[0] == 200

    # -- sequencers: one numbers at a time; the other takes over -----------------------------
    def lock_holders():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                           "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                           "AND ((classid::bigint << 32) | objid::bigint) = %s", [ADVISORY_LOCK])
            return cursor.fetchone()[0]

    assert max(lock_holders() for _ in range(50)) <= 1
    wait_for(lambda: call(web2, "GET", "/readyz")[0] == 200, 30, "the sequencers to catch up")
    topology["seq1"].stop(signal.SIGKILL)
    third = published_project(alice.coop, tasks=2)  # new events for the surviving sequencer
    assert third.pk
    wait_for(lambda: call(web2, "GET", "/readyz")[1].get("checks", {}).get("sequencer") == "ok"
             and not _pending(), 30, "the second sequencer to number the new events")
    result = verify_log()
    assert result.ok, result


def _pending():
    return sequencer_lag()[0]
