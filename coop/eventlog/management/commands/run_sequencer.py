"""The sequencer loop (`make run` starts it beside the server; a django-q2 job is the backstop)."""

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from coop.eventlog.checkpoints import checkpoint_sign, checkpoint_sign_if_due
from coop.eventlog.sequencer import pause_after, sequence_pending


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
        sequence_pending()
        checkpoint_sign()  # on start: whatever was recorded while no sequencer ran is signed now
        while not stopping:
            close_old_connections()
            done = sequence_pending()
            checkpoint_sign_if_due()
            if once:
                break
            time.sleep(pause_after(done, idle=interval))
