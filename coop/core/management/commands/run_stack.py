"""Start everything `make run` needs: the ASGI server (pages, API, websockets), the django-q2
cluster and, when the event log provides it, the event sequencer. A child that exits is
restarted with a backoff (coop.core.supervisor); Ctrl-C stops them all."""

import os
import signal
import sys

from django.core.management import get_commands
from django.core.management.base import BaseCommand

from coop.core.supervisor import Supervisor


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
        supervisor = Supervisor(commands, out=self.stdout.write, err=self.stderr.write)
        supervisor.start()
        self.stdout.write(self.style.SUCCESS(f"\nAtelier is running at http://{host}:{port}/"))
        self.stdout.write(f"API docs: http://{host}:{port}/api/docs/   Admin: http://{host}:{port}/admin/")
        self.stdout.write("Started: " + ", ".join(c.name for c in supervisor.children) + ". Press Ctrl-C to stop.\n")
        signal.signal(signal.SIGINT, supervisor.stop)
        signal.signal(signal.SIGTERM, supervisor.stop)
        code = supervisor.run()
        self.stdout.write("Stopped.")
        if code:
            sys.exit(code)
