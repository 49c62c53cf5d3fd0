"""Demo: sequence what the other apps recorded and sign a checkpoint, so the audit pages show
a verified log. `seed` runs in INSTALLED_APPS order; `finish` runs after every app has seeded."""

from coop.eventlog.checkpoints import checkpoint_sign
from coop.eventlog.sequencer import sequence_pending


def _sequence_and_sign(ctx):
    done = sequence_pending()
    checkpoint = checkpoint_sign()  # None when nothing new: running twice changes nothing
    stdout = ctx.get("stdout")
    if stdout is not None and (done or checkpoint):
        stdout.write(f"Event log: {done} events sequenced"
                     + (f", checkpoint of size {checkpoint.size} signed." if checkpoint else "."))


def seed(ctx):
    _sequence_and_sign(ctx)


def finish(ctx):
    _sequence_and_sign(ctx)
