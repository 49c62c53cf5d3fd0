"""django-q2 entry points. The sequencer loop does the work; this job is its backstop (scheduled
every minute by migration 0004), so the log keeps moving if the loop is down."""

from coop.eventlog.checkpoints import checkpoint_sign_if_due
from coop.eventlog.sequencer import sequence_pending


def sequence_backstop():
    done = sequence_pending()
    checkpoint_sign_if_due()
    return done
