"""What `run_stack` does with its children: start them, restart one that exits, stop them all.

A child that exits on its own (a crash, a lost database it could not survive) is started
again after a backoff (1 s, doubling to 30 s while it keeps crashing), and the others keep
running: one failing part no longer takes the web server down with it. Only Ctrl-C
(SIGINT/SIGTERM) or a child that crashes `CRASH_LIMIT` times within `CRASH_WINDOW` seconds
stops everything (then something is wrong that restarting will not fix, and saying so beats
a restart loop)."""

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field

CRASH_LIMIT = 5
CRASH_WINDOW = 60.0
RESTART_FIRST = 1.0
RESTART_MAX = 30.0
STOP_DEADLINE = 15.0


@dataclass
class Child:
    name: str
    cmd: list
    proc: subprocess.Popen | None = None
    crashes: list = field(default_factory=list)  # monotonic times of recent exits
    restart_at: float | None = None
    restarts: int = 0


class Supervisor:
    def __init__(self, commands, *, out, err, crash_limit=CRASH_LIMIT, crash_window=CRASH_WINDOW,
                 restart_first=RESTART_FIRST, restart_max=RESTART_MAX, poll=0.5, popen=None):
        self.children = [Child(name, list(cmd)) for name, cmd in commands]
        self.out, self.err = out, err
        self.crash_limit, self.crash_window = crash_limit, crash_window
        self.restart_first, self.restart_max = restart_first, restart_max
        self.poll = poll
        self.popen = popen or (lambda cmd: subprocess.Popen(cmd, start_new_session=True))
        self.stopping = False
        self.failed = False

    def start(self):
        for child in self.children:
            child.proc = self.popen(child.cmd)

    def stop(self, *_):
        self.stopping = True

    def _delay(self, crashes):
        return min(self.restart_max, self.restart_first * 2 ** (crashes - 1))

    def check(self, now=None):
        """One pass: note children that exited, restart those whose backoff is over. Sets
        `stopping` (and `failed`) when one crashed too often."""
        now = time.monotonic() if now is None else now
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at and not self.stopping:
                    child.restart_at = None
                    child.restarts += 1
                    child.proc = self.popen(child.cmd)
                    self.out(f"{child.name} restarted (restart {child.restarts}).")
                continue
            code = child.proc.poll()
            if code is None or self.stopping:
                continue
            child.crashes = [t for t in child.crashes if now - t < self.crash_window] + [now]
            if len(child.crashes) >= self.crash_limit:
                self.err(f"{child.name} exited with {code}, {len(child.crashes)} times in "
                         f"{self.crash_window:.0f} s; stopping the others.")
                self.failed = self.stopping = True
                return
            delay = self._delay(len(child.crashes))
            child.restart_at = now + delay
            self.err(f"{child.name} exited with {code}; restarting it in {delay:.0f} s (the others keep running).")

    def run(self):
        """Supervise until stopped; then stop every child. Returns 1 when a child crashed too
        often, else 0."""
        try:
            while not self.stopping:
                self.check()
                if not self.stopping:
                    time.sleep(self.poll)
        finally:
            self.shutdown()
        return 1 if self.failed else 0

    def shutdown(self):
        # SIGTERM to each leader only: qcluster stops its own workers (signalling its whole
        # group makes it wait for workers that are already gone, and it hits the deadline).
        running = [c for c in self.children if c.proc is not None]
        for child in running:
            if child.proc.poll() is None:
                child.proc.terminate()
        deadline = time.time() + STOP_DEADLINE
        for child in running:
            try:
                child.proc.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                self.err(f"{child.name} did not stop in time; killing it.")
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.proc.pid, signal.SIGKILL)  # anything left in its group
