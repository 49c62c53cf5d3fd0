"""The ledger's part of a member's data rights (ledger/datarights.py): the export lines, what
blocks an erasure, the donation of what is left, and erasing only the payouts' free text."""

import pytest

from ledger import datarights, selectors, services
from ledger.models import Payout, Transaction
from tests.factories import CoopFactory, funded_organisation, member, operator, steward

pytestmark = pytest.mark.django_db


@pytest.fixture
def coop():
    return CoopFactory()


@pytest.fixture
def worker(coop):
    user = member(coop).user
    org = funded_organisation(5_000, operator=operator())
    services.bonus_pay(organisation=org, user=user, amount=2_000, key="bonus:1")
    return user


def test_wallet_lines_are_oldest_first_with_their_running_balance(worker):
    services.payout_request(user=worker, amount=600, method="mobile_money", details="+261 34", key="1")
    lines = datarights.wallet_lines(user=worker)
    assert [(line["kind"], line["amount"], line["balance_after"]) for line in lines] == [
        (Transaction.Kind.BONUS, 2_000, 2_000), (Transaction.Kind.PAYOUT_REQUEST, -600, 1_400)]


def test_blockers_name_an_open_payout_and_money_left(worker, coop):
    payout = services.payout_request(user=worker, amount=600, method="mobile_money", key="1")
    assert [code for code, _text in datarights.wallet_blockers(user=worker)] == ["payout_open", "wallet_not_empty"]
    assert "14.00" in dict(datarights.wallet_blockers(user=worker))["wallet_not_empty"]
    services.payout_settle(steward=steward(coop).user, payout=payout, reference="SENT-1")
    services.payout_request(user=worker, amount=1_400, method="mobile_money", key="2")
    assert [code for code, _text in datarights.wallet_blockers(user=worker)] == ["payout_open"]


def test_wallet_prepare_gives_the_rest_to_the_treasury_only_when_asked(worker, coop):
    datarights.wallet_prepare(user=worker, donate=False)
    assert selectors.wallet_balance(user=worker) == 2_000
    datarights.wallet_prepare(user=worker, donate=True)
    datarights.wallet_prepare(user=worker, donate=True)  # nothing left: nothing moves
    assert selectors.wallet_balance(user=worker) == 0
    assert selectors.coop_fund_balances(coop=coop)["treasury"] == 2_000
    assert datarights.wallet_blockers(user=worker) == []


def test_payouts_erase_replaces_details_and_keeps_amounts(worker):
    payout = services.payout_request(user=worker, amount=600, method="mobile_money", details="+261 34 00", key="1")
    assert datarights.payout_rows(user=worker)[0]["details"] == "+261 34 00"
    assert datarights.payout_subjects(user=worker) == [("ledger.payout", payout.pk)]
    datarights.payouts_erase(user=worker, tombstone="[erased]")
    payout = Payout.objects.get()
    assert (payout.details, payout.amount, payout.method) == ("[erased]", 600, "mobile_money")
