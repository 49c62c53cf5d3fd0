"""coop/eventlog/management/commands/verify_events.py: `manage.py verify_events` on a sound log
(the failing path, exit 1 with the first bad position, is in tests/eventlog/test_verify.py)."""

import pytest
from django.core.management import call_command

from coop.eventlog.checkpoints import checkpoint_sign
from coop.eventlog.services import event_record
from tests.eventlog.helpers import sequence_all
from tests.factories import CoopFactory

pytestmark = pytest.mark.django_db


def test_verify_events_reports_counts_on_a_sound_log(capsys):
    coop = CoopFactory()
    for n in range(4):
        event_record(type="test.happened", coop=coop, subject=("thing", n), payload={"n": n})
    sequence_all()
    checkpoint_sign()
    call_command("verify_events")
    out = capsys.readouterr().out
    assert out.startswith("OK: 4 events, 1 checkpoints verified in ")
