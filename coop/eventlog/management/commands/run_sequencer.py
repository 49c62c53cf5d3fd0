"""The sequencer loop (`make run` starts it beside the server; a django-q2 job is the backstop)."""

import signal

from django.core.management.base import BaseCommand

from coop.eventlog.sequencer_loop import sequencer_run


class Command(BaseCommand):
    help = "Give positions and chain hashes to finished events, and sign checkpoints when due."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=0.2, help="seconds to sleep when idle")
        parser.add_argument("--once", action="store_true", help="one round, then exit")

    def handle(self, *args, interval, once, **options):
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        sequencer_run(interval=interval, once=once, stopping=lambda: stopping)
