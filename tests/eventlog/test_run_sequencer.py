"""coop/eventlog/management/commands/run_sequencer.py: `manage.py run_sequencer --once` numbers
the backlog and signs, and installs its stop handlers."""

import signal

import pytest
from django.conf import settings
from django.core.management import call_command

from coop.eventlog import sequencer_loop
from coop.eventlog.models import Checkpoint, Sequenced
from coop.eventlog.services import event_record
from tests.factories import CoopFactory


@pytest.mark.django_db(transaction=settings.DATABASE_IS_POSTGRES)  # PostgreSQL: committed, as the loop needs
def test_run_sequencer_once_sequences_and_signs(monkeypatch):
    # the loop closes stale connections between rounds; inside the test's transaction it must not
    monkeypatch.setattr(sequencer_loop, "close_old_connections", lambda: None)
    coop = CoopFactory()
    for n in range(2):
        event_record(type="test.happened", coop=coop, subject=("thing", n), payload={"n": n})
    old = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    try:
        call_command("run_sequencer", "--once", "--interval", "0")
        assert callable(signal.getsignal(signal.SIGTERM))
        assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, signal.SIG_IGN)
    finally:
        signal.signal(signal.SIGTERM, old[0])
        signal.signal(signal.SIGINT, old[1])
    assert Sequenced.objects.count() == 2
    assert Checkpoint.objects.get().size == 2
