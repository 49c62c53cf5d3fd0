"""run_stack's supervisor: a child that exits is restarted with a backoff while the others keep
running; a child that keeps crashing stops everything with a clear message (issue 24, defect 5)."""

import sys
import threading
import time

from coop.core.supervisor import Supervisor

STEADY = [sys.executable, "-c", "import time; time.sleep(120)"]


def crashing_then_steady(counter, crashes):
    """A child that exits with 3 on its first `crashes` starts, then stays up."""
    code = (f"import pathlib, sys, time\np = pathlib.Path({str(counter)!r})\n"
            "n = int(p.read_text() or 0) + 1 if p.exists() else 1\np.write_text(str(n))\n"
            f"sys.exit(3) if n <= {crashes} else time.sleep(120)\n")
    return [sys.executable, "-c", code]


def run_in_thread(supervisor):
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("code", supervisor.run()))
    thread.start()
    return thread, result


def wait_for(condition, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_supervisor_restarts_a_crashed_child_and_keeps_the_others(tmp_path):
    counter = tmp_path / "starts"
    lines = []
    supervisor = Supervisor([("web", STEADY), ("sequencer", crashing_then_steady(counter, 2))],
                            out=lines.append, err=lines.append, restart_first=0.1, poll=0.02)
    supervisor.start()
    web = supervisor.children[0].proc
    thread, result = run_in_thread(supervisor)
    try:
        sequencer = supervisor.children[1]
        assert wait_for(lambda: counter.exists() and counter.read_text() == "3" and sequencer.restarts == 2)
        time.sleep(0.3)
        assert sequencer.proc.poll() is None  # the third start stays up
        assert supervisor.children[0].proc is web and web.poll() is None  # web was never touched
        assert not supervisor.stopping
    finally:
        supervisor.stop()
        thread.join(30)
    assert result["code"] == 0
    assert web.poll() is not None and sequencer.proc.poll() is not None
    assert "sequencer exited with 3; restarting it in 0 s (the others keep running)." in lines
    assert "sequencer restarted (restart 2)." in lines


def test_supervisor_backoff_doubles_up_to_its_cap():
    supervisor = Supervisor([], out=print, err=print, restart_first=1.0, restart_max=30.0)
    assert [supervisor._delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_supervisor_stops_everything_when_a_child_keeps_crashing(tmp_path):
    lines = []
    always = [sys.executable, "-c", "import sys; sys.exit(1)"]
    supervisor = Supervisor([("web", STEADY), ("jobs", always)], out=lines.append, err=lines.append,
                            crash_limit=3, crash_window=60, restart_first=0.05, poll=0.02)
    supervisor.start()
    web = supervisor.children[0].proc
    thread, result = run_in_thread(supervisor)
    thread.join(60)
    assert not thread.is_alive()
    assert result["code"] == 1
    assert supervisor.children[1].restarts == 2
    assert "jobs exited with 1, 3 times in 60 s; stopping the others." in lines
    assert web.poll() is not None  # the others were stopped


def test_supervisor_forgets_crashes_older_than_its_window(tmp_path):
    """Crashes far apart are restarted every time: only a burst stops the stack."""
    lines = []
    supervisor = Supervisor([("jobs", STEADY)], out=lines.append, err=lines.append, crash_limit=2,
                            crash_window=10, restart_first=0.0)

    class Exited:
        pid = 0

        def poll(self):
            return 1

    started = []
    supervisor.popen = lambda cmd: started.append(cmd) or Exited()
    supervisor.start()
    for now in (100.0, 100.0, 115.0, 115.0, 130.0, 130.0):  # a crash, then its restart, each time
        supervisor.check(now=now)
    assert not supervisor.stopping
    assert len(started) == 1 + 3  # restarted after the crashes at 100, 115 and 130 s
    supervisor.check(now=131.0)  # a second crash within 10 s of the one at 130 s
    assert supervisor.stopping and supervisor.failed
