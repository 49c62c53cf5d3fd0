"""Racing callers on PostgreSQL, each thread with its own connection: the same key moves money
once and every racer gets the first transaction; withdrawals racing on one wallet never
overdraw it."""

import pytest

from coop.core.errors import DomainError
from ledger import selectors, services
from ledger.models import Payout, Transaction
from tests.factories import CoopFactory, funded_organisation, member, operator, project_stub
from tests.threads import together


def race(n, fn):
    outcomes = together([fn] * n)
    unexpected = [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, DomainError)]
    assert unexpected == []
    return ([o for o in outcomes if not isinstance(o, Exception)],
            [o.code for o in outcomes if isinstance(o, DomainError)])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_release_key_racing_moves_money_once():
    coop = CoopFactory()
    worker = member(coop).user
    org = funded_organisation(100_000, operator=operator())
    project = project_stub(coop, org)
    services.escrow_hold(project=project, amount=50_000, key="p:hold")

    results, errors = race(6, lambda: services.escrow_release(
        project=project, user=worker, reward=1_000, fee_coop=50, fee_federation=10, fee_juror=5,
        key="assignment:1:release"))

    assert errors == []
    assert len({tx.pk for tx in results}) == 1
    assert Transaction.objects.filter(kind="escrow_release").count() == 1
    assert selectors.wallet_balance(user=worker) == 1_000


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_withdrawals_never_overdraw_a_wallet():
    coop = CoopFactory()
    worker = member(coop).user
    org = funded_organisation(100_000, operator=operator())
    services.bonus_pay(organisation=org, user=worker, amount=3_000, key="b")

    results, errors = race(6, lambda: services.payout_request(user=worker, amount=1_000, method="mobile_money"))

    assert len(results) == 3 and errors == ["insufficient_funds"] * 3
    assert selectors.wallet_balance(user=worker) == 0
    assert Payout.objects.count() == 3
