"""coop/eventlog/jobs.py: the backstop job sequences what is pending and signs when due."""

import pytest
from django.conf import settings

from coop.eventlog.jobs import sequence_backstop
from coop.eventlog.models import Checkpoint, Sequenced
from coop.eventlog.services import event_record
from tests.factories import CoopFactory

# PostgreSQL: real commits, so the sequencer (which skips transactions still open) sees the events
pytestmark = pytest.mark.django_db(transaction=settings.DATABASE_IS_POSTGRES)


def test_sequence_backstop_numbers_pending_events_and_signs_the_first_checkpoint():
    coop = CoopFactory()
    for n in range(3):
        event_record(type="test.happened", coop=coop, subject=("thing", n), payload={"n": n})
    assert sequence_backstop() == 3
    assert list(Sequenced.objects.order_by("position").values_list("position", flat=True)) == [1, 2, 3]
    assert Checkpoint.objects.get().size == 3
    assert sequence_backstop() == 0  # nothing new: no second checkpoint
    assert Checkpoint.objects.count() == 1
