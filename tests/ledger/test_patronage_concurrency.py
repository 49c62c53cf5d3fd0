"""Patronage under racing callers on PostgreSQL, each thread with its own connection (issue 23):
payments of one adopted distribution racing each other (and gifts into the same treasury and
bonuses into the same wallets) pay every member once; two stewards proposing the same period at
once make one distribution; no deadlock (`pg_stat_database.deadlocks` unchanged)."""

import itertools
import threading
from datetime import UTC, datetime

import pytest

from ledger import selectors, services
from ledger.models import PatronageDistribution, Transaction
from ledger.services.patronage import patronage_pay, patronage_propose
from ledger.treasury import treasury_contribution_record
from tasks.models import Assignment
from tests.factories import CoopFactory, funded_organisation, operator, steward
from tests.factories.governance import voter
from tests.factories.qualifications import decided_assignment
from tests.factories.tasks import open_project
from tests.ledger.test_concurrency import race
from tests.ledger.test_patronage import backdated
from tests.ledger.test_solidarity_concurrency import books_whole
from tests.tasks.test_concurrency import deadlocks, deadlocks_since

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NOW = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)


def setup_coop(workers=6):
    coop = backdated(CoopFactory())
    stewards = [steward(coop).user, steward(coop).user]
    project = open_project(coop, estimated_minutes=7, reward=100)
    people = [voter(coop).user for _ in range(workers)]
    for n, person in enumerate(people, start=1):
        for _ in range(n):
            decided_assignment(person, project, "approved")
    Assignment.objects.filter(project=project).update(reviewed_at=datetime(2025, 5, 1, tzinfo=UTC))
    op = operator()
    for n in range(4):  # over several treasury sub-accounts
        treasury_contribution_record(operator=op, coop=coop, amount=5_000, reference=f"dues-{n}")
    return coop, stewards, people


def test_payments_racing_pay_each_member_once():
    coop, stewards, people = setup_coop()
    distribution = patronage_propose(steward=stewards[0], amount=9_999, now=NOW)
    PatronageDistribution.objects.filter(pk=distribution.pk).update(status=PatronageDistribution.Status.ADOPTED)
    org = funded_organisation(10_000, operator=operator())
    before = deadlocks()
    turn, lock = itertools.count(), threading.Lock()

    def one():
        with lock:
            n = next(turn)
        if n < 4:  # four payments of the same distribution
            return patronage_pay(distribution=distribution.pk, actor=stewards[n % 2])
        if n < 6:  # money into the same treasury
            return treasury_contribution_record(operator=operator(), coop=coop, amount=10, reference=f"gift-{n}")
        return services.bonus_pay(organisation=org, user=people[n - 6], amount=10, key=f"bonus-{n}")  # same wallets

    results, errors = race(8, one)

    assert errors == [] and len(results) == 8
    assert Transaction.objects.filter(kind=Transaction.Kind.PATRONAGE).count() == len(people)
    shares = dict(distribution.shares.values_list("user_id", "amount"))
    assert sum(shares.values()) == 9_999
    bonus = {p.pk: 10 for p in people[:2]}
    assert {p.pk: selectors.wallet_balance(user=p) for p in people} == {
        p.pk: shares[p.pk] + bonus.get(p.pk, 0) for p in people}
    assert selectors.coop_fund_balances(coop=coop)["treasury"] == 20_000 + 20 - 9_999
    assert deadlocks_since(before) == 0
    books_whole()


def test_two_stewards_proposing_one_period_at_once_make_one_distribution():
    coop, stewards, _people = setup_coop(workers=3)
    who = iter(stewards)
    lock = threading.Lock()

    def propose():
        with lock:
            author = next(who)
        return patronage_propose(steward=author, amount=1_000, now=NOW)

    results, errors = race(2, propose)

    assert len(results) == 1 and errors == ["period_shared"]
    assert PatronageDistribution.objects.count() == 1
