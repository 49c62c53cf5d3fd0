"""A model-based test: random deposits, holds, releases, refunds, bonuses, payouts and
reversals against a plain in-memory model of who holds what. After every step the ledger's
balances equal the model's, nothing that may not go negative is, every balance equals its
postings, and the books sum to zero. Runs on SQLite and on PostgreSQL (the PL/pgSQL path)."""

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from coop.core.errors import DomainError
from ledger import selectors, services
from ledger.models import Balance, Posting, Transaction
from tests.factories import (
    CoopFactory,
    ledger_organisation,
    member,
    operator,
    project_stub,
    steward,
)

amounts = st.integers(min_value=1, max_value=5_000)
small = st.integers(min_value=0, max_value=100)


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.op = operator()
        self.coop = CoopFactory()
        self.boss = steward(self.coop).user
        self.members = [member(self.coop).user for _ in range(2)]
        self.orgs = [ledger_organisation() for _ in range(2)]
        self.projects = [project_stub(self.coop, self.orgs[i % 2]) for i in range(3)]
        # the model
        self.requester = {o.pk: 0 for o in self.orgs}
        self.escrow = {p.pk: 0 for p in self.projects}
        self.wallet = {u.pk: 0 for u in self.members}
        self.treasury = self.juror = self.fee = self.clearing = 0
        self.world = 0
        self.deposits = []  # (transaction, organisation id, amount)
        self.reversed = set()
        self.payouts = []
        self.n = 0

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def key(self):
        self.n += 1
        return f"k{self.n}"

    @rule(o=st.integers(0, 1), amount=st.integers(1, 20_000))
    def deposit(self, o, amount):
        org = self.orgs[o]
        tx = services.deposit_record(operator=self.op, organisation=org, amount=amount, reference=self.key())
        self.requester[org.pk] += amount
        self.world -= amount
        self.deposits.append((tx, org.pk, amount))

    @rule(p=st.integers(0, 2), amount=amounts)
    def hold(self, p, amount):
        project = self.projects[p]
        org_id = project.organisation_id
        if amount > self.requester[org_id]:
            with pytest.raises(DomainError, match="not enough"):
                services.escrow_hold(project=project, amount=amount, key=self.key())
            return
        services.escrow_hold(project=project, amount=amount, key=self.key())
        self.requester[org_id] -= amount
        self.escrow[project.pk] += amount

    @rule(p=st.integers(0, 2), m=st.integers(0, 1), reward=st.integers(1, 1_000), fc=small, ff=small, fj=small,
          again=st.booleans())
    def release(self, p, m, reward, fc, ff, fj, again):
        project, user = self.projects[p], self.members[m]
        total = reward + fc + ff + fj
        key = self.key()
        call = dict(project=project, user=user, reward=reward, fee_coop=fc, fee_federation=ff, fee_juror=fj, key=key)
        if self.escrow[project.pk] == 0 and not Transaction.objects.filter(
                kind="escrow_hold", postings__account__owner_id=project.pk).exists():
            with pytest.raises(DomainError):
                services.escrow_release(**call)
            return
        if total > self.escrow[project.pk]:
            with pytest.raises(DomainError, match="not enough"):
                services.escrow_release(**call)
            return
        first = services.escrow_release(**call)
        if again:  # a retry moves nothing
            assert services.escrow_release(**call).pk == first.pk
        self.escrow[project.pk] -= total
        self.wallet[user.pk] += reward
        self.treasury += fc
        self.fee += ff
        self.juror += fj

    @rule(p=st.integers(0, 2), amount=amounts)
    def refund(self, p, amount):
        project = self.projects[p]
        if amount > self.escrow[project.pk]:
            with pytest.raises(DomainError):
                services.escrow_refund(project=project, amount=amount, key=self.key())
            return
        services.escrow_refund(project=project, amount=amount, key=self.key())
        self.escrow[project.pk] -= amount
        self.requester[project.organisation_id] += amount

    @rule(o=st.integers(0, 1), m=st.integers(0, 1), amount=amounts)
    def bonus(self, o, m, amount):
        org, user = self.orgs[o], self.members[m]
        if amount > self.requester[org.pk]:
            with pytest.raises(DomainError, match="not enough"):
                services.bonus_pay(organisation=org, user=user, amount=amount, key=self.key())
            return
        services.bonus_pay(organisation=org, user=user, amount=amount, key=self.key())
        self.requester[org.pk] -= amount
        self.wallet[user.pk] += amount

    @rule(m=st.integers(0, 1), amount=st.integers(1, 3_000))
    def juror(self, m, amount):
        user = self.members[m]
        if amount > self.juror:
            with pytest.raises(DomainError, match="not enough"):
                services.juror_pay(coop=self.coop, user=user, amount=amount, key=self.key())
            return
        services.juror_pay(coop=self.coop, user=user, amount=amount, key=self.key())
        self.juror -= amount
        self.wallet[user.pk] += amount

    @rule(m=st.integers(0, 1), amount=st.integers(400, 3_000))
    def payout(self, m, amount):
        user = self.members[m]
        if amount < 500 or amount > self.wallet[user.pk]:
            with pytest.raises(DomainError):
                services.payout_request(user=user, amount=amount, method="mobile_money")
            return
        self.payouts.append(services.payout_request(user=user, amount=amount, method="mobile_money"))
        self.wallet[user.pk] -= amount
        self.clearing += amount

    @precondition(lambda self: self.payouts)
    @rule(i=st.integers(0, 50), settle=st.booleans())
    def payout_decide(self, i, settle):
        payout = self.payouts.pop(i % len(self.payouts))
        if settle:
            services.payout_settle(steward=self.boss, payout=payout, reference=f"ref-{payout.pk}")
            self.world += payout.amount
        else:
            services.payout_fail(steward=self.boss, payout=payout, reason="wrong number")
            self.wallet[payout.user_id] += payout.amount
        self.clearing -= payout.amount

    @precondition(lambda self: self.deposits)
    @rule(i=st.integers(0, 50))
    def reverse(self, i):
        tx, org_id, amount = self.deposits[i % len(self.deposits)]
        if tx.pk in self.reversed:  # asking again returns the first correction, moves nothing
            again = services.transaction_reverse(operator=self.op, transaction=tx, reason="mistake")
            assert again.reverses_id == tx.pk
            return
        if amount > self.requester[org_id]:
            with pytest.raises(DomainError, match="not enough"):
                services.transaction_reverse(operator=self.op, transaction=tx, reason="mistake")
            return
        services.transaction_reverse(operator=self.op, transaction=tx, reason="mistake")
        self.reversed.add(tx.pk)
        self.requester[org_id] -= amount
        self.world += amount

    @invariant()
    def balances_match_the_model(self):
        for org in self.orgs:
            assert selectors.requester_balance(organisation=org) == self.requester[org.pk]
        for project in self.projects:
            assert selectors.escrow_balance(project=project) == self.escrow[project.pk]
        for user in self.members:
            assert selectors.wallet_balance(user=user) == self.wallet[user.pk]
        funds = selectors.coop_fund_balances(coop=self.coop)
        assert (funds["treasury"], funds["juror_fund"], funds["payout_clearing"]) == \
            (self.treasury, self.juror, self.clearing)
        assert selectors.federation_fee_balance() == self.fee

    @invariant()
    def books_hold(self):
        assert not Balance.objects.filter(amount__lt=0, allow_negative=False).exists()
        assert (Balance.objects.aggregate(t=Sum("amount"))["t"] or 0) == 0
        for balance in Balance.objects.all():
            posted = Posting.objects.filter(account_id=balance.pk).aggregate(t=Sum("amount"))["t"] or 0
            assert balance.amount == posted


@pytest.mark.django_db
def test_ledger_matches_a_simple_model():
    run_state_machine_as_test(LedgerMachine, settings=settings(max_examples=10, stateful_step_count=20,
                                                                deadline=None))


def test_the_model_test_can_fail(db):
    """The model catches a ledger that pays twice (a release that moves money again)."""
    from unittest import mock

    original = services.escrow_release

    def pays_twice(**kwargs):
        first = original(**kwargs)
        original(**{**kwargs, "key": kwargs["key"] + "-bis"})
        return first

    machine = LedgerMachine()
    try:
        machine.deposit(o=0, amount=5_000)
        machine.hold(p=0, amount=5_000)
        with mock.patch.object(services, "escrow_release", pays_twice):
            machine.release(p=0, m=0, reward=100, fc=10, ff=5, fj=1, again=False)
        with pytest.raises(AssertionError):
            machine.balances_match_the_model()
    finally:
        machine.teardown()
