"""Start everything `make run` needs: the ASGI server (pages, API, websockets), the django-q2
cluster and, when the event log provides it, the event sequencer. Ctrl-C stops them all."""

import contextlib
import os
import signal
import subprocess
import sys
import time

from django.core.management import get_commands
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the ASGI server, the job cluster and the sequencer together."

    def handle(self, *args, **options):
        port = os.environ.get("PORT", "8000")
        host = os.environ.get("HOST", "127.0.0.1")
        python = sys.executable
        commands = [
            ("web", [python, "-m", "uvicorn", "coop.asgi:application", "--host", host, "--port", port,
                     "--log-level", "warning"]),
            ("jobs", [python, "manage.py", "qcluster"]),
        ]
        if "run_sequencer" in get_commands():
            commands.append(("sequencer", [python, "manage.py", "run_sequencer"]))
        procs = []
        for name, cmd in commands:
            procs.append((name, subprocess.Popen(cmd, start_new_session=True)))
        self.stdout.write(self.style.SUCCESS(f"\nAtelier is running at http://{host}:{port}/"))
        self.stdout.write(f"API docs: http://{host}:{port}/api/docs/   Admin: http://{host}:{port}/admin/")
        self.stdout.write("Started: " + ", ".join(name for name, _ in procs) + ". Press Ctrl-C to stop.\n")
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, proc in procs:
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} exited with {proc.returncode}; stopping the others.")
                        stopping = True
                time.sleep(0.5)
        finally:
            # SIGTERM to each leader only: qcluster stops its own workers (signalling its whole
            # group makes it wait for workers that are already gone, and it hits the deadline).
            for _name, proc in procs:
                if proc.poll() is None:
                    proc.terminate()
            deadline = time.time() + 15
            for name, proc in procs:
                try:
                    proc.wait(timeout=max(0.1, deadline - time.time()))
                except subprocess.TimeoutExpired:
                    self.stderr.write(f"{name} did not stop in time; killing it.")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)  # anything left in its group
            self.stdout.write("Stopped.")
