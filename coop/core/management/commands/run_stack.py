"""Start the processes of Atelier under one supervisor: the ASGI server (pages, API,
websockets), the django-q2 cluster and the event sequencer. A child that exits is restarted
with a backoff (coop.core.supervisor); Ctrl-C or SIGTERM stops them all.

`make run` starts all three on one machine. In production each kind can run on its own
machine: `--only web` (with `--workers N` server processes), `--only jobs`,
`--only sequencer` (docs/deploy.md). Only one sequencer numbers events at a time (an advisory
lock), so a second one on another machine is a hot standby, not a conflict."""

import os
import shutil
import signal
import sys
import tempfile

from django.core.management import get_commands
from django.core.management.base import BaseCommand, CommandError

from coop.core.supervisor import Supervisor

KINDS = ("web", "jobs", "sequencer")


class Command(BaseCommand):
    help = "Run the ASGI server, the job cluster and the sequencer (or some of them) under one supervisor."

    def add_arguments(self, parser):
        parser.add_argument("--only", default=",".join(KINDS),
                            help="Comma-separated kinds to start: web, jobs, sequencer (default: all).")
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "1")),
                            help="ASGI server processes (default: $WEB_CONCURRENCY or 1).")

    def handle(self, *args, only, workers, **options):
        kinds = [k.strip() for k in only.split(",") if k.strip()]
        unknown = sorted(set(kinds) - set(KINDS))
        if unknown or not kinds:
            raise CommandError(f"--only takes some of {', '.join(KINDS)}; not {', '.join(unknown) or 'nothing'}.")
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        port = os.environ.get("PORT", "8000")
        host = os.environ.get("HOST", "127.0.0.1")
        python = sys.executable
        self._metrics_dir(workers)
        commands = []
        if "web" in kinds:
            web = [python, "-m", "uvicorn", "coop.asgi:application", "--host", host, "--port", port,
                   "--log-level", "warning", "--proxy-headers"]
            if workers > 1:
                web += ["--workers", str(workers)]
            commands.append(("web", web))
        if "jobs" in kinds:
            commands.append(("jobs", [python, "manage.py", "qcluster"]))
        if "sequencer" in kinds and "run_sequencer" in get_commands():
            commands.append(("sequencer", [python, "manage.py", "run_sequencer"]))
        supervisor = Supervisor(commands, out=self.stdout.write, err=self.stderr.write)
        supervisor.start()
        if "web" in kinds:
            self.stdout.write(self.style.SUCCESS(f"\nAtelier is running at http://{host}:{port}/"))
            self.stdout.write(f"API docs: http://{host}:{port}/api/docs/   Admin: http://{host}:{port}/admin/")
        self.stdout.write("Started: " + ", ".join(c.name for c in supervisor.children) + ". Press Ctrl-C to stop.\n")
        signal.signal(signal.SIGINT, supervisor.stop)
        signal.signal(signal.SIGTERM, supervisor.stop)
        code = supervisor.run()
        self.stdout.write("Stopped.")
        if code:
            sys.exit(code)

    def _metrics_dir(self, workers):
        """Several server processes share their metrics through files (prometheus_client's
        multiprocess mode): a fresh directory for this run unless one was given."""
        if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="atelier-metrics-")
        path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if path:
            shutil.rmtree(path, ignore_errors=True)
            os.makedirs(path, exist_ok=True)
