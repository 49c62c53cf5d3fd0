"""coop/eventlog/management/commands/checkpoint_sign.py: `manage.py checkpoint_sign`."""

import pytest
from django.conf import settings
from django.core.management import call_command

from coop.eventlog.models import Checkpoint
from coop.eventlog.services import event_record
from tests.factories import CoopFactory

# PostgreSQL: real commits, so the sequencer (which skips transactions still open) sees the events
pytestmark = pytest.mark.django_db(transaction=settings.DATABASE_IS_POSTGRES)


def test_checkpoint_sign_command_signs_then_says_nothing_is_new(capsys):
    event_record(type="test.happened", coop=CoopFactory(), subject=("thing", 1), payload={})
    call_command("checkpoint_sign")
    checkpoint = Checkpoint.objects.get()
    assert capsys.readouterr().out.strip() == f"Signed checkpoint of size 1, root {bytes(checkpoint.root).hex()}."
    call_command("checkpoint_sign")
    assert capsys.readouterr().out.strip() == "Nothing new to sign."
    assert Checkpoint.objects.count() == 1
