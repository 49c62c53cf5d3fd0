"""The ledger's row locks (ledger/locks.py): what each returns, and an unknown row is an error,
not a silent empty lock. (That the locks serialise writers is tested on PostgreSQL in
tests/ledger/test_concurrency.py.)"""

import pytest
from django.db import transaction

from ledger import locks, services
from ledger.models import Balance, HardshipApplication, Payout
from ledger.services.hardship import hardship_apply
from ledger.services.solidarity import solidarity_contribute
from tests.factories import CoopFactory, funded_organisation, member, operator

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker():
    coop = CoopFactory()
    user = member(coop).user
    org = funded_organisation(5_000, operator=operator())
    services.bonus_pay(organisation=org, user=user, amount=2_000, key="bonus:1")
    return user


def test_balances_for_update_returns_each_row_by_account_once(worker):
    ids = list(Balance.objects.order_by("-pk").values_list("pk", flat=True))
    with transaction.atomic():
        rows = locks.balances_for_update(ids + ids[:1])
    assert sorted(rows) == sorted(ids)
    assert all(rows[pk].pk == pk and isinstance(rows[pk], Balance) for pk in ids)
    assert locks.balances_for_update([]) == {}


def test_payout_for_update_reads_the_payout_or_raises(worker):
    payout = services.payout_request(user=worker, amount=1_000, method="mobile_money", key="1")
    with transaction.atomic():
        locked = locks.payout_for_update(payout.pk)
    assert (locked.pk, locked.amount, locked.status) == (payout.pk, 1_000, Payout.Status.REQUESTED)
    with pytest.raises(Payout.DoesNotExist), transaction.atomic():
        locks.payout_for_update(payout.pk + 1000)


def test_hardship_application_for_update_reads_the_application_or_raises(worker):
    solidarity_contribute(user=worker, amount=500, key="give")
    application = hardship_apply(user=worker, reason="injury", amount=300,
                                 statement="I broke my wrist and cannot type for a month.")
    with transaction.atomic():
        assert locks.hardship_application_for_update(application.pk).amount == 300
    with pytest.raises(HardshipApplication.DoesNotExist), transaction.atomic():
        locks.hardship_application_for_update(application.pk + 1000)
