"""The ledger's demo money (ledger/demo.py): the requester's deposit, the coops' dues and
juror funds, the welcome bonuses and two payouts; a second run moves nothing more."""

import pytest

from coop.federation.demo import PAYOUT_RAILS
from ledger import demo, selectors
from ledger.models import Payout, Transaction
from tests.factories import CoopFactory, UserFactory, member, operator, organisation, steward

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    # the demo Antananarivo coop's voted rails (coop/federation/demo.py): the demo pays by MVola
    coop = CoopFactory(params={"juror_fund_reserve": 3_000, **PAYOUT_RAILS["tana"]})
    org = organisation(name="Ravina Labs", slug="ravina-labs")
    worker = member(coop, user=UserFactory(email="member@tana.example")).user
    waiting = member(coop, user=UserFactory(email="member2@tana.example")).user
    steward(coop, user=UserFactory(email="steward@tana.example"))
    return {"coop": coop, "org": org, "worker": worker, "waiting": waiting, "operator": operator()}


def test_seed_moves_the_demo_money(people):
    demo.seed({"operator": people["operator"], "organisations": {"ravina": people["org"]}})
    assert selectors.requester_balance(organisation=people["org"]) == 500_000 - 2_500 - 1_500
    assert selectors.coop_fund_balances(coop=people["coop"])["juror_fund"] == 3_000
    assert selectors.coop_fund_balances(coop=people["coop"])["treasury"] == demo.TREASURY_DUES - 3_000
    assert selectors.wallet_balance(user=people["worker"]) == 2_500 - 1_000
    assert selectors.wallet_balance(user=people["waiting"]) == 1_500 - 600
    assert Payout.objects.get(user=people["worker"]).status == Payout.Status.SETTLED
    assert Payout.objects.get(user=people["waiting"]).status == Payout.Status.REQUESTED


def test_seed_twice_moves_money_once(people):
    demo.seed({"operator": people["operator"], "organisations": {"ravina": people["org"]}})
    before = Transaction.objects.count()
    demo.seed({})  # found by their demo emails and slug this time
    assert Transaction.objects.count() == before
    assert Payout.objects.count() == 2


def test_seed_without_operator_or_requester_does_nothing():
    CoopFactory()
    demo.seed({})
    assert Transaction.objects.count() == 0
