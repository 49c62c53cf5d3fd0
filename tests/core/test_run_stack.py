"""`make run`'s last step: the server, the job cluster and the sequencer start together, the
pages answer, a child that crashes is restarted while the others keep serving, and Ctrl-C
(SIGINT to the foreground group) stops every process cleanly."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children_of(pid):
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                kids.append(int(entry.name))
    return kids


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and " Z " not in Path(f"/proc/{pid}/stat").read_text()


def cmdline(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def sequencer_of(pid):
    return next((k for k in children_of(pid) if "run_sequencer" in cmdline(k)), None)


def test_run_stack_serves_restarts_a_crashed_child_and_stops_on_ctrl_c():
    db = connection.settings_dict
    port = free_port()
    env = dict(os.environ, PORT=str(port),
               DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}")
    proc = subprocess.Popen([sys.executable, "manage.py", "run_stack"], cwd=settings.BASE_DIR, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.time() + 90  # a loaded 2-core machine starts slowly
        status = None
        while time.time() < deadline and status != 200:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/coops/", timeout=2) as response:
                    status = response.status
            except OSError:
                time.sleep(0.5)
        assert status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            assert b"Atelier" in response.read()
        kids = children_of(proc.pid)
        assert len(kids) >= 3  # web, jobs and the sequencer
        # The sequencer crashes (SIGKILL): it is started again, and the web server never stops.
        crashed = sequencer_of(proc.pid)
        os.kill(crashed, signal.SIGKILL)
        deadline = time.time() + 30
        while time.time() < deadline and sequencer_of(proc.pid) in (None, crashed):
            time.sleep(0.2)
        restarted = sequencer_of(proc.pid)
        assert restarted not in (None, crashed)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/coops/", timeout=5) as response:
            assert response.status == 200
        kids = children_of(proc.pid)
        time.sleep(2)  # let the cluster finish starting its workers
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does
        output, _ = proc.communicate(timeout=45)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 0, output
    assert f"Atelier is running at http://127.0.0.1:{port}/" in output and "Stopped." in output
    assert "did not stop in time" not in output
    assert "sequencer exited with -9; restarting it in 1 s (the others keep running)." in output
    assert "stopping the others" not in output
    time.sleep(0.5)
    assert [k for k in kids if alive(k)] == []
