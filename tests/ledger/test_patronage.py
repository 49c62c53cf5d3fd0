"""Patronage, the surplus shared by work done (issue 23): given / when / then through the
services and the pages, with the ledger's invariants (every transaction sums to zero, balances
equal postings, no money created, nothing paid twice, bad input changes nothing)."""

from datetime import UTC, date, datetime
from fractions import Fraction

import pytest
from django.db.models import Sum
from django.urls import reverse

from coop.core.errors import DomainError
from coop.eventlog.models import Event
from coop.federation.models import RulebookVersion
from coop.governance import services as governance
from coop.governance.models import Proposal
from ledger import selectors
from ledger.models import Balance, PatronageDistribution, PatronageShare, Posting, Transaction
from ledger.services.movements import treasury_fund
from ledger.services.patronage import patronage_adopt, patronage_pay, patronage_propose, period_last, shared_key
from ledger.treasury import treasury_contribution_record
from tasks.models import Assignment
from tasks.selectors import work_done_by_member
from tests.factories import CoopFactory, member, operator, steward
from tests.factories.governance import deadline_pass, voter
from tests.factories.qualifications import decided_assignment
from tests.factories.tasks import open_project

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)  # the last finished year is 2025
IN_2025 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
PAGE_QUERIES = 8  # the members' page, whatever the number of distributions


def books_balance():
    for tx in Transaction.objects.all():
        lines = list(tx.postings.values_list("amount", flat=True))
        assert len(lines) >= 2 and sum(lines) == 0, tx
    posted = dict(Posting.objects.values("account_id").annotate(t=Sum("amount")).values_list("account_id", "t"))
    for balance in Balance.objects.all():
        assert balance.amount == posted.get(balance.pk, 0), balance
    assert sum(Balance.objects.values_list("amount", flat=True)) == 0  # no money created


def counts():
    return (Transaction.objects.count(), Posting.objects.count(), Event.objects.count(),
            PatronageDistribution.objects.count(), PatronageShare.objects.count())


def backdated(coop):
    """The coop's rulebook in force since 2020, so a test may act at any `now` since then."""
    RulebookVersion.objects.filter(coop=coop).update(effective_at=datetime(2020, 1, 1, tzinfo=UTC))
    return coop


@pytest.fixture
def coop():
    return backdated(CoopFactory(params={"patronage_period": "year", "patronage_measure": "paid_minutes"}))


@pytest.fixture
def the_steward(coop):
    return steward(coop).user


def treasury_fill(coop, amount):
    treasury_contribution_record(operator=operator(), coop=coop, amount=amount, reference=f"dues-{amount}")


def work(user, project, *, n=1, when=IN_2025, status="approved"):
    """`n` assignments of `user` in `project`, paid at `when`."""
    for _ in range(n):
        a = decided_assignment(user, project, status)
        Assignment.objects.filter(pk=a.pk).update(reviewed_at=when, finalised_at=None)


@pytest.fixture
def workers(coop):
    """Three members: 7, 2 and 1 approved tasks of 10 minutes (reward 2.00) in 2025."""
    project = open_project(coop, estimated_minutes=10, reward=200)
    people = [voter(coop).user for _ in range(3)]
    for person, n in zip(people, (7, 2, 1), strict=True):
        work(person, project, n=n)
    return people


def expected_shares(total, weights):
    """An independent reference of largest remainder (Hamilton): exact quotas as fractions."""
    quotas = [Fraction(total * w, sum(weights)) for w in weights]
    parts = [int(q) for q in quotas]
    for i in sorted(range(len(weights)), key=lambda i: (-(quotas[i] - parts[i]), i))[:total - sum(parts)]:
        parts[i] += 1
    return parts


# --- the period and the work ----------------------------------------------------------------

@pytest.mark.parametrize(("period", "now", "start", "end"), [
    ("year", datetime(2026, 2, 10, tzinfo=UTC), date(2025, 1, 1), date(2026, 1, 1)),
    ("year", datetime(2026, 1, 1, tzinfo=UTC), date(2025, 1, 1), date(2026, 1, 1)),
    ("half_year", datetime(2026, 7, 1, tzinfo=UTC), date(2026, 1, 1), date(2026, 7, 1)),
    ("half_year", datetime(2026, 3, 31, tzinfo=UTC), date(2025, 7, 1), date(2026, 1, 1)),
    ("quarter", datetime(2026, 2, 10, tzinfo=UTC), date(2025, 10, 1), date(2026, 1, 1)),
    ("quarter", datetime(2026, 12, 31, 23, 59, tzinfo=UTC), date(2026, 7, 1), date(2026, 10, 1)),
])
def test_period_last_is_the_last_finished_calendar_period(period, now, start, end):
    assert period_last(period=period, now=now) == (start, end)


def test_work_done_counts_paid_work_of_the_coop_in_the_period_only(coop):
    project = open_project(coop, estimated_minutes=10, reward=200)
    elsewhere = open_project(CoopFactory(), estimated_minutes=10, reward=200)
    person = member(coop).user
    work(person, project, n=2)
    work(person, project, status="overturned")
    work(person, project, status="rejection_final")  # not paid
    work(person, project, when=datetime(2026, 1, 1, tzinfo=UTC))  # the next period
    work(person, elsewhere)  # another coop
    found = work_done_by_member(coop_id=coop.pk, start=datetime(2025, 1, 1, tzinfo=UTC),
                                end=datetime(2026, 1, 1, tzinfo=UTC))
    assert found == {person.pk: {"paid_minutes": 30, "amount": 600, "tasks": 3}}


# --- proposing ----------------------------------------------------------------------------------

def test_patronage_propose_stores_each_share_by_largest_remainder(coop, the_steward, workers):
    treasury_fill(coop, 100_000)
    distribution = patronage_propose(steward=the_steward, amount=1001, now=NOW)
    assert (distribution.period_start, distribution.period_end) == (date(2025, 1, 1), date(2026, 1, 1))
    assert distribution.measure == "paid_minutes" and distribution.total_work == 100
    shares = {s.user_id: s for s in distribution.shares.all()}
    amounts = [shares[p.pk].amount for p in workers]
    assert amounts == expected_shares(1001, [70, 20, 10]) == [701, 200, 100]
    assert sum(amounts) == 1001
    first = shares[workers[0].pk]
    assert (first.work, first.floor, first.remainder) == (70, 700, 70)  # 1001 × 70 = 70 070 = 700 × 100 + 70
    event = Event.objects.get(type="patronage.proposed")
    assert event.payload_json["members"] == 3 and event.payload_json["total_work"] == 100
    assert "user" not in event.payload_json
    assert Transaction.objects.filter(kind=Transaction.Kind.PATRONAGE).count() == 0  # nothing paid before the vote


def test_patronage_by_amount_uses_the_rewards():
    coop = backdated(CoopFactory(params={"patronage_measure": "amount"}))
    the_steward = steward(coop).user
    cheap, dear = open_project(coop, estimated_minutes=10, reward=100), open_project(coop, estimated_minutes=10,
                                                                                       reward=300)
    a, b = voter(coop).user, voter(coop).user
    work(a, cheap)
    work(b, dear)
    treasury_fill(coop, 10_000)
    distribution = patronage_propose(steward=the_steward, amount=1000, now=NOW)
    assert distribution.measure == "amount" and distribution.total_work == 400
    assert dict(distribution.shares.values_list("user_id", "amount")) == {a.pk: 250, b.pk: 750}


@pytest.mark.parametrize(("amount", "code"), [(0, "invalid_amount"), (-3, "invalid_amount"), ("5", "invalid_amount"),
                                              (200_001, "surplus_too_small")])
def test_patronage_propose_bad_amount_writes_nothing(coop, the_steward, workers, amount, code):
    treasury_fill(coop, 200_000)
    before = counts()
    with pytest.raises(DomainError) as err:
        patronage_propose(steward=the_steward, amount=amount, now=NOW)
    assert err.value.code == code and counts() == before


def test_patronage_propose_refuses_a_member_a_period_without_work_and_a_period_twice(coop, the_steward, workers):
    treasury_fill(coop, 10_000)
    with pytest.raises(DomainError) as err:
        patronage_propose(steward=workers[0], amount=100, now=NOW)
    assert err.value.code == "not_a_steward"
    with pytest.raises(DomainError) as err:
        patronage_propose(steward=the_steward, amount=100, now=datetime(2024, 3, 1, tzinfo=UTC))  # 2023: no work
    assert err.value.code == "no_work"
    patronage_propose(steward=the_steward, amount=100, now=NOW)
    before = counts()
    with pytest.raises(DomainError) as err:
        patronage_propose(steward=the_steward, amount=100, now=NOW)
    assert err.value.code == "period_shared" and counts() == before


# --- the vote and the payment --------------------------------------------------------------------

def _adopted(coop, the_steward, amount):
    proposal = governance.patronage_vote_open(steward=the_steward, amount=amount)
    distribution = PatronageDistribution.objects.get(proposal_id=proposal.pk)
    Proposal.objects.filter(pk=proposal.pk).update(discussion_ends_at=proposal.discussion_started_at)
    proposal = governance.proposal_voting_open(proposal=proposal)
    return proposal, distribution


def _vote(proposal, people, choice="yes"):
    for person in people:
        governance.ballot_cast(user=person, proposal=proposal, choice=choice)
    return governance.proposal_close(proposal=deadline_pass(proposal))


@pytest.fixture
def last_year(coop, workers):
    """The workers' work dated in the last finished year, whatever today is."""
    start, _end = period_last(period="year")
    Assignment.objects.filter(project__coop=coop).update(reviewed_at=datetime(start.year, 6, 1, tzinfo=UTC))
    return workers


def test_adopted_by_vote_pays_each_member_once_with_the_shared_key(coop, the_steward, last_year):
    treasury_fill(coop, 50_000)
    proposal, distribution = _adopted(coop, the_steward, 1001)
    assert proposal.changes.get().kind == "patronage"
    closed = _vote(proposal, last_year)
    assert closed.status == Proposal.Status.ADOPTED
    distribution.refresh_from_db()
    assert distribution.status == PatronageDistribution.Status.PAID
    txs = Transaction.objects.filter(kind=Transaction.Kind.PATRONAGE).order_by("key")
    assert len(txs) == 3 and {t.memo for t in txs} == {shared_key(distribution)}
    assert all(t.key.startswith(shared_key(distribution) + ":member:") for t in txs)
    assert [selectors.wallet_balance(user=p) for p in last_year] == [701, 200, 100]
    assert selectors.coop_fund_balances(coop=coop)["treasury"] == 50_000 - 1001
    assert Event.objects.filter(type="ledger.patronage_paid").count() == 3
    assert Event.objects.filter(type="patronage.paid").count() == 1
    books_balance()

    # running it again, by the vote's hook or a steward, pays nothing twice
    before = counts()
    patronage_adopt(distribution_id=distribution.pk, proposal_id=proposal.pk)
    patronage_pay(distribution=distribution, actor=the_steward)
    assert counts() == before
    assert [selectors.wallet_balance(user=p) for p in last_year] == [701, 200, 100]


def test_rejected_frees_the_period_and_pays_nothing(coop, the_steward, last_year):
    treasury_fill(coop, 50_000)
    proposal, distribution = _adopted(coop, the_steward, 1000)
    assert _vote(proposal, last_year, "no").status == Proposal.Status.REJECTED
    distribution.refresh_from_db()
    assert distribution.status == PatronageDistribution.Status.REFUSED
    assert not Transaction.objects.filter(kind=Transaction.Kind.PATRONAGE).exists()
    again = governance.patronage_vote_open(steward=the_steward, amount=900)  # the period is free again
    assert PatronageDistribution.objects.get(proposal_id=again.pk).amount == 900


def test_a_withdrawn_proposal_frees_the_period(coop, the_steward, last_year):
    treasury_fill(coop, 50_000)
    proposal = governance.patronage_vote_open(steward=the_steward, amount=1000)
    governance.proposal_withdraw(author=the_steward, proposal=proposal)
    assert PatronageDistribution.objects.get(proposal_id=proposal.pk).status == PatronageDistribution.Status.REFUSED


def test_adopted_with_a_short_treasury_waits_then_a_steward_pays(coop, the_steward, last_year):
    treasury_fill(coop, 1000)
    proposal, distribution = _adopted(coop, the_steward, 1000)
    treasury_fund(coop=coop, project=open_project(coop), amount=500, key="spend")  # the treasury is short now
    assert _vote(proposal, last_year).status == Proposal.Status.ADOPTED  # the close does not fail
    distribution.refresh_from_db()
    assert distribution.status == PatronageDistribution.Status.ADOPTED
    assert Event.objects.filter(type="patronage.unfunded").exists()
    assert not Transaction.objects.filter(kind=Transaction.Kind.PATRONAGE).exists()
    with pytest.raises(DomainError) as err:
        patronage_pay(distribution=distribution, actor=last_year[0])  # a member cannot
    assert err.value.code == "not_a_steward"
    treasury_fill(coop, 5000)
    patronage_pay(distribution=distribution, actor=the_steward)
    distribution.refresh_from_db()
    assert distribution.status == PatronageDistribution.Status.PAID
    assert sum(selectors.wallet_balance(user=p) for p in last_year) == 1000
    books_balance()


def test_no_member_puts_a_distribution_to_another_vote(coop, the_steward, last_year):
    """The change kind takes only a distribution a steward proposes in the same transaction: one
    already in a vote, or refused, cannot be carried by another proposal."""
    treasury_fill(coop, 50_000)
    proposal = governance.patronage_vote_open(steward=the_steward, amount=100)
    distribution = PatronageDistribution.objects.get(proposal_id=proposal.pk)
    for who in (last_year[0], the_steward):
        with pytest.raises(DomainError) as err:
            governance.proposal_create(author=who, title="Share it my way",
                                       changes=[{"kind": "patronage", "distribution": distribution.pk}])
        assert err.value.code == "invalid_distribution"
    governance.proposal_withdraw(author=the_steward, proposal=proposal)
    with pytest.raises(DomainError) as err:
        governance.proposal_create(author=last_year[0], title="Share it my way",
                                   changes=[{"kind": "patronage", "distribution": distribution.pk}])
    assert err.value.code == "invalid_distribution"


# --- the page ---------------------------------------------------------------------------------

def test_the_page_shows_each_member_their_share_and_how(client, coop, the_steward, last_year,
                                                        django_assert_max_num_queries):
    treasury_fill(coop, 50_000)
    proposal, _d = _adopted(coop, the_steward, 1001)
    _vote(proposal, last_year)
    client.force_login(last_year[2])
    with django_assert_max_num_queries(PAGE_QUERIES):
        response = client.get(reverse("ledger:patronage"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "$10.01 × 10 ÷ 100 = $1.00 and 10/100" in body  # 10 minutes of 100: floor 1.00, remainder 10
    assert "Your share" in body and "$1.00" in body
    assert "not to you this time" in body
    assert reverse("ledger:patronage_propose") not in body  # no proposing form for a member


def test_the_page_query_count_does_not_grow_with_distributions(client, coop, the_steward, last_year,
                                                               django_assert_num_queries):
    client.force_login(last_year[0])
    treasury_fill(coop, 50_000)
    for year in (2021, 2022, 2023):  # three distributions, as if proposed in past years
        work(last_year[0], open_project(coop), when=datetime(year, 5, 1, tzinfo=UTC))
        patronage_propose(steward=the_steward, amount=100, now=datetime(year + 1, 2, 1, tzinfo=UTC))
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(reverse("ledger:patronage"))
    assert response.content.decode().count('class="card distribution"') == 3


def test_a_steward_proposes_through_the_page_and_bad_input_is_a_message(client, coop, the_steward, last_year):
    treasury_fill(coop, 50_000)
    client.force_login(the_steward)
    response = client.post(reverse("ledger:patronage_propose"), {"amount": "abc"}, follow=True)
    assert "Give the amount" in response.content.decode() and not PatronageDistribution.objects.exists()
    response = client.post(reverse("ledger:patronage_propose"), {"amount": "9999"}, follow=True)
    assert "The treasury holds less" in response.content.decode() and not PatronageDistribution.objects.exists()
    response = client.post(reverse("ledger:patronage_propose"), {"amount": "10.00"})
    distribution = PatronageDistribution.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("governance:proposal", args=[distribution.proposal_id])
    assert distribution.amount == 1000


def test_the_page_in_french(client, coop, last_year):
    client.force_login(last_year[0])
    response = client.get(reverse("ledger:patronage"), HTTP_ACCEPT_LANGUAGE="fr")
    assert "partagé selon le travail" in response.content.decode()


# --- sandbox coops and the reminder (issue 23's leftovers) -------------------------------------

def test_a_sandbox_coop_shares_no_surplus_and_nothing_is_written(client):
    from tests.factories.accounts import organisation

    sandbox = backdated(CoopFactory(sandbox_of=organisation(), params={"patronage_period": "year"}))
    persona = steward(sandbox).user
    project = open_project(sandbox, estimated_minutes=10, reward=200)
    work(voter(sandbox).user, project, n=2)  # its treasury cannot even be filled with real money
    before = counts()
    with pytest.raises(DomainError) as err:
        patronage_propose(steward=persona, amount=1_000, now=NOW)
    assert err.value.code == "sandbox_coop" and err.value.status == 403
    assert "test money" in str(err.value.message) and counts() == before
    client.force_login(persona)
    response = client.post(reverse("ledger:patronage_propose"), {"amount": "10.00"}, follow=True)
    assert "A sandbox coop holds only test money" in response.content.decode() and counts() == before


def test_the_stewards_are_told_once_when_a_period_ended_unproposed(coop, the_steward):
    from accounts.models import Notice
    from ledger.services.patronage import patronage_period_remind

    assert patronage_period_remind(coop=coop, now=NOW) is True
    notice = Notice.objects.get(user=the_steward, kind="patronage")
    assert "2025-01-01" in notice.text and "2025-12-31" in notice.text and notice.link == reverse("ledger:patronage")
    event = Event.objects.get(type="patronage.period_unproposed")
    assert (event.coop_id, event.subject_id) == (coop.pk, f"{coop.pk}:2025-01-01")
    before = counts()
    assert patronage_period_remind(coop=coop, now=NOW) is False  # the same period: once
    assert patronage_period_remind(coop=coop.pk, now=datetime(2026, 11, 30, tzinfo=UTC)) is False
    assert counts() == before and Notice.objects.filter(kind="patronage").count() == 1
    assert patronage_period_remind(coop=coop, now=datetime(2027, 1, 2, tzinfo=UTC)) is True  # 2026 ended too
    assert Notice.objects.filter(user=the_steward, kind="patronage").count() == 2


def test_no_reminder_for_a_proposed_period_or_a_sandbox_coop(coop, the_steward, workers):
    from ledger.services.patronage import patronage_period_remind
    from tests.factories.accounts import organisation

    treasury_fill(coop, 10_000)
    patronage_propose(steward=the_steward, amount=100, now=NOW)
    sandbox = backdated(CoopFactory(sandbox_of=organisation()))
    steward(sandbox)
    before = counts()
    assert patronage_period_remind(coop=coop, now=NOW) is False
    assert patronage_period_remind(coop=sandbox, now=NOW) is False
    assert counts() == before
