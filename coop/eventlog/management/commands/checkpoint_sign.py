from django.core.management.base import BaseCommand

from coop.eventlog.checkpoints import checkpoint_sign
from coop.eventlog.sequencer import sequence_pending


class Command(BaseCommand):
    help = "Sequence what is pending and sign a checkpoint of the event log now."

    def handle(self, *args, **options):
        sequence_pending()
        checkpoint = checkpoint_sign()
        if checkpoint is None:
            self.stdout.write("Nothing new to sign.")
        else:
            self.stdout.write(f"Signed checkpoint of size {checkpoint.size}, root {bytes(checkpoint.root).hex()}.")
