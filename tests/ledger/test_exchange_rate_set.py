"""`manage.py exchange_rate_set` (issue 23): the operator sets a rate from the command line."""

import pytest
from django.core.management import CommandError, call_command

from ledger.models import ExchangeRate

pytestmark = pytest.mark.django_db


def test_the_command_sets_a_rate_and_refuses_a_bad_one(capsys):
    call_command("exchange_rate_set", "XOF", "603", "--date", "2026-12-01")
    assert "XOF 603 as of 2026-12-01" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("exchange_rate_set", "XOF", "-1")
    assert ExchangeRate.objects.count() == 1
