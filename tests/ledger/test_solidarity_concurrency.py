"""The solidarity fund under racing callers on PostgreSQL, each thread with its own connection
(issue 23 part 1): two second stewards approving one grant at once pay it once; grants racing
to drain the fund never overdraw it; gifts and fee shares racing with grants keep the books
whole; and no deadlock reaches anyone (`pg_stat_database.deadlocks` unchanged)."""

import threading

import pytest
from django.db.models import Sum
from django.utils import timezone

from ledger import selectors, services
from ledger.models import Balance, HardshipApplication, Posting, Transaction
from ledger.services.hardship import hardship_apply, hardship_approve
from ledger.services.solidarity import solidarity_contribute, solidarity_fee_share_move
from tests.factories import CoopFactory, funded_organisation, member, operator, project_stub, steward
from tests.ledger.test_concurrency import race
from tests.tasks.test_concurrency import deadlocks, deadlocks_since

STATEMENT = "My house flooded and I lost my phone and my work for two weeks."

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def books_whole():
    posted = dict(Posting.objects.values("account_id").annotate(t=Sum("amount")).values_list("account_id", "t"))
    assert all(b.amount == posted.get(b.pk, 0) for b in Balance.objects.all())
    assert not Balance.objects.filter(amount__lt=0, allow_negative=False).exists()
    for tx in Transaction.objects.all():
        assert sum(tx.postings.values_list("amount", flat=True)) == 0


def setup_fund(coop, amount):
    giver = member(coop).user
    org = funded_organisation(amount, operator=operator())
    services.bonus_pay(organisation=org, user=giver, amount=amount, key=f"fill:{giver.pk}")
    for n in range(4):  # over several sub-accounts
        solidarity_contribute(user=giver, amount=amount // 4, key=f"fill-{n}")


def awaiting_second(coop, first, amount):
    application = hardship_apply(user=member(coop).user, reason="no_work", statement=STATEMENT, amount=amount)
    return hardship_approve(steward=first, application=application)


def test_two_second_stewards_racing_pay_a_grant_once():
    coop = CoopFactory(params={"solidarity_steward_grant_max": 5000})
    stewards = [steward(coop).user for _ in range(4)]
    setup_fund(coop, 20_000)
    application = awaiting_second(coop, stewards[0], 4000)
    before = deadlocks()

    seconds, lock = iter(stewards[1:]), threading.Lock()

    def approve():
        with lock:
            second = next(seconds)
        return hardship_approve(steward=second, application=HardshipApplication(pk=application.pk))

    results, errors = race(3, approve)

    assert len(results) == 1 and sorted(errors) == ["application_decided"] * 2
    assert Transaction.objects.filter(kind=Transaction.Kind.SOLIDARITY_GRANT).count() == 1
    assert selectors.wallet_balance(user=application.user) == 4000
    assert selectors.solidarity_fund_balance(coop=coop) == 16_000
    assert deadlocks_since(before) == 0
    books_whole()


def test_grants_racing_to_drain_the_fund_never_overdraw_it():
    coop = CoopFactory(params={"solidarity_steward_grant_max": 5000})
    first, second = steward(coop).user, steward(coop).user
    setup_fund(coop, 10_000)
    applications = [awaiting_second(coop, first, 3000) for _ in range(6)]
    pending = iter(applications)
    lock = threading.Lock()

    def approve_next():
        with lock:
            application = next(pending)
        return hardship_approve(steward=second, application=HardshipApplication(pk=application.pk))

    before = deadlocks()
    results, errors = race(6, approve_next)

    assert len(results) == 3 and errors == ["insufficient_funds"] * 3
    assert selectors.solidarity_fund_balance(coop=coop) == 1000
    granted = HardshipApplication.objects.filter(status=HardshipApplication.Status.GRANTED).count()
    assert granted == 3 == Transaction.objects.filter(kind=Transaction.Kind.SOLIDARITY_GRANT).count()
    assert HardshipApplication.objects.filter(status=HardshipApplication.Status.AWAITING_SECOND).count() == 3
    assert deadlocks_since(before) == 0
    books_whole()


def test_gifts_fee_shares_and_grants_racing_keep_the_books_whole():
    coop = CoopFactory(params={"solidarity_steward_grant_max": 5000})
    first, second = steward(coop).user, steward(coop).user
    setup_fund(coop, 8000)
    op = operator()
    org = funded_organisation(200_000, operator=op)
    project = project_stub(coop, org)
    services.escrow_hold(project=project, amount=100_000, key="p:hold")
    for n in range(5):
        services.escrow_release(project=project, user=member(coop).user, reward=10_000, fee_coop=2000,
                                fee_federation=0, fee_juror=0, key=f"assignment:{n}:release")
    givers = [member(coop).user for _ in range(3)]
    for giver in givers:
        services.bonus_pay(organisation=org, user=giver, amount=1000, key=f"gift-fill:{giver.pk}")
    applications = [awaiting_second(coop, first, 2000) for _ in range(3)]
    jobs = ([lambda a=a: hardship_approve(steward=second, application=HardshipApplication(pk=a.pk))
             for a in applications]
            + [lambda g=g: solidarity_contribute(user=g, amount=1000, key="race") for g in givers]
            + [lambda: solidarity_fee_share_move(coop=coop, day=timezone.now().date())] * 2)
    queue = iter(jobs)
    lock = threading.Lock()

    def next_job():
        with lock:
            job = next(queue)
        return job()

    before = deadlocks()
    results, errors = race(len(jobs), next_job)

    assert errors == []
    assert Transaction.objects.filter(kind=Transaction.Kind.SOLIDARITY_FEE_SHARE).count() == 1
    # 8000 given before + 3 × 1000 given now + 10 % of 10 000 fees - 3 grants of 2000
    assert selectors.solidarity_fund_balance(coop=coop) == 8000 + 3000 + 1000 - 6000
    assert deadlocks_since(before) == 0
    books_whole()
