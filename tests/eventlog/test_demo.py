"""coop/eventlog/demo.py: the demo's last step sequences what the other apps recorded and signs
a checkpoint; running it again changes nothing."""

import io

import pytest
from django.conf import settings

from coop.eventlog import demo
from coop.eventlog.models import Checkpoint, Sequenced
from coop.eventlog.services import event_record
from tests.factories import CoopFactory

# PostgreSQL: real commits, so the sequencer (which skips transactions still open) sees the events
pytestmark = pytest.mark.django_db(transaction=settings.DATABASE_IS_POSTGRES)


def test_finish_sequences_and_signs_once():
    coop = CoopFactory()
    event_record(type="coop.created", coop=coop, subject=coop, payload={"coop": coop.pk})
    event_record(type="test.happened", coop=coop, subject=("thing", 1), payload={})
    out = io.StringIO()
    demo.finish({"stdout": out})
    assert Sequenced.objects.count() == 2 and Checkpoint.objects.get().size == 2
    assert out.getvalue() == "Event log: 2 events sequenced, checkpoint of size 2 signed."
    again = io.StringIO()
    demo.seed({"stdout": again})
    assert again.getvalue() == "" and Checkpoint.objects.count() == 1
