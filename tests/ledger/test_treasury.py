"""ledger/treasury.py on its own: money from outside into a coop's treasury (once per
reference), and the juror fund topped up from the treasury to the voted reserve."""

import pytest

from coop.core.errors import DomainError
from coop.eventlog.models import Event
from ledger.models import Transaction
from ledger.selectors import coop_fund_balances
from ledger.treasury import juror_fund_top_up, treasury_contribution_record
from tests.factories import CoopFactory, member, operator

pytestmark = pytest.mark.django_db


def test_a_contribution_reaches_the_treasury_once_per_reference():
    coop, op = CoopFactory(), operator()
    first = treasury_contribution_record(operator=op, coop=coop, amount=5_000, reference="grant-1")
    again = treasury_contribution_record(operator=op, coop=coop, amount=5_000, reference="grant-1")
    assert again.pk == first.pk
    assert coop_fund_balances(coop=coop)["treasury"] == 5_000
    event = Event.objects.get(pk=first.event_id)
    assert (event.type, event.payload_json["amount"]) == ("ledger.treasury_contributed", 5_000)


def test_only_the_operator_records_a_contribution_and_a_refusal_writes_nothing():
    coop = CoopFactory()
    with pytest.raises(DomainError):
        treasury_contribution_record(operator=member(coop).user, coop=coop, amount=100, reference="r")
    with pytest.raises(DomainError):
        treasury_contribution_record(operator=operator(), coop=coop, amount=100, reference="")
    with pytest.raises(DomainError):
        treasury_contribution_record(operator=operator(), coop=coop, amount=-5, reference="r")
    assert not Transaction.objects.exists()


def test_the_juror_fund_is_topped_up_to_the_reserve_and_no_further():
    coop = CoopFactory(params={"juror_fund_reserve": 3_000})
    treasury_contribution_record(operator=operator(), coop=coop, amount=10_000, reference="dues")
    top_up = juror_fund_top_up(coop=coop, key="top:1")
    assert top_up.kind == Transaction.Kind.JUROR_FUND_TOP_UP
    balances = coop_fund_balances(coop=coop)
    assert (balances["juror_fund"], balances["treasury"]) == (3_000, 7_000)
    assert juror_fund_top_up(coop=coop, key="top:2") is None  # already at the reserve
    assert juror_fund_top_up(coop=coop, key="top:1").pk == top_up.pk  # the same key replays


def test_a_need_above_the_reserve_is_met_up_to_what_the_treasury_holds():
    coop = CoopFactory(params={"juror_fund_reserve": 1_000})
    treasury_contribution_record(operator=operator(), coop=coop, amount=2_500, reference="dues")
    juror_fund_top_up(coop=coop, key="top:1", need=4_000)
    balances = coop_fund_balances(coop=coop)
    assert (balances["juror_fund"], balances["treasury"]) == (2_500, 0)


def test_an_empty_treasury_or_a_zero_reserve_moves_nothing():
    empty = CoopFactory(params={"juror_fund_reserve": 3_000})
    assert juror_fund_top_up(coop=empty, key="top:1") is None
    no_reserve = CoopFactory(params={"juror_fund_reserve": 0})
    treasury_contribution_record(operator=operator(), coop=no_reserve, amount=1_000, reference="dues")
    assert juror_fund_top_up(coop=no_reserve, key="top:2", need=500) is None
    assert coop_fund_balances(coop=no_reserve)["treasury"] == 1_000
