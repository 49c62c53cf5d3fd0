"""Paid tests: floor rate, funding into escrow, budget, attempts paid exactly once, grants."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from coop.core.errors import DomainError
from coop.eventlog.models import Event
from ledger import selectors as ledger
from ledger.models import Transaction
from tasks.fees import batch_fees
from tasks.qualifications.models import Attempt, QualificationGrant, QualificationTest
from tasks.qualifications.selectors import explain
from tasks.qualifications.services import (
    attempt_start,
    attempt_submit,
    attempts_expire_due,
    qualification_test_create,
    qualification_test_fund,
)
from tasks.qualifications.services.paid_tests import attempt_fees
from tests.factories import (
    HALF,
    RIGHT,
    TEST_KEY,
    TEST_QUESTIONS,
    CoopFactory,
    member,
    organisation,
    paid_test,
    project_stub,
    steward,
)
from tests.threads import outcome_codes, together

pytestmark = pytest.mark.django_db
FEES = {"platform_fee_bps": 500, "federation_share_bps": 2000, "juror_fund_bps": 1000}


def test_test_create_refuses_pay_below_the_floor_rate_for_its_time():
    coop = CoopFactory()  # floor 1200 per hour: 10 minutes need 200
    with pytest.raises(DomainError) as info:
        paid_test(coop, reward=199, attempts=0)
    assert info.value.code == "below_floor_rate" and info.value.extra == {"minimum": 200}
    test = paid_test(coop, reward=200, attempts=0)
    assert test.reward == 200 and test.max_attempts == 3 and test.rulebook_version == 1
    # the fee terms are those of the version the test was defined under; a funding of one
    # attempt is a batch like a project's: 5% of 200 = 10, split 2/1/7
    assert test.fee == 0
    test = qualification_test_fund(actor=test.qualification.organisation.owner, test=test, attempts=1)
    assert (test.fee_federation, test.fee_juror, test.fee_coop) == (2, 1, 7)
    assert test.funding_fees == [[1, 7, 2, 1]]


@pytest.mark.parametrize("change, code", [
    ({"answer_key": {"capital": "Antananarivo"}}, "invalid_answer_key"),
    ({"answer_key": {**TEST_KEY, "capital": "Paris"}}, "invalid_answers"),
    ({"retry_hours": 25}, "invalid_retry_hours"),
    ({"pass_mark": 0}, "invalid_pass_mark"),
    ({"questions": [{"name": "x", "type": "colour"}]}, "invalid_question_form"),
])
def test_test_create_refuses_bad_definitions(change, code):
    with pytest.raises(DomainError) as info:
        paid_test(CoopFactory(), attempts=0, **change)
    assert info.value.code == code
    assert not QualificationTest.objects.exists()


def test_test_fund_holds_the_attempts_in_the_tests_own_escrow():
    org = organisation()
    test = paid_test(CoopFactory(), organisation=org, attempts=4)
    # 4 attempts at 300: pay 1200, fee 5% = 60 (coop 42, federation 12, juror fund 6)
    assert test.attempts_funded == 4 and test.funded_amount == 4 * 315
    assert (test.fee_coop, test.fee_federation, test.fee_juror) == (42, 12, 6)
    assert ledger.escrow_balance(project=test) == 4 * 315
    assert ledger.requester_balance(organisation=org) == 1_000_000 - 4 * 315
    # a project with the same id has its own escrow
    assert ledger.escrow_balance(project=project_stub(test.qualification.coop, org)) == 0
    assert Transaction.objects.filter(key=f"qualification_test:{test.pk}:fund:1").count() == 1


def test_a_coop_test_is_funded_from_the_treasury_by_a_steward():
    from ledger import services as ledger_services

    coop = CoopFactory()
    boss = steward(coop).user
    # money in the treasury: fees of approved work
    org = organisation()
    ledger_services.deposit_record(operator=boss.__class__.objects.create_superuser(email="op@x.example"),
                                   organisation=org, amount=10_000, reference="wire")
    stub = project_stub(coop, org)
    ledger_services.escrow_hold(project=stub, amount=5_000, key="p:hold")
    ledger_services.escrow_release(project=stub, user=member(coop).user, reward=0, fee_coop=5_000, fee_federation=0,
                                   fee_juror=0, key="p:release")
    test = qualification_test_create(actor=boss, coop=coop, name="Coop reviewer test", questions=TEST_QUESTIONS,
                       answer_key=TEST_KEY, pass_mark=75, time_limit_minutes=30, retry_hours=24,
                       estimated_minutes=10, reward=200, reason="Reviewers need to know the style guide.")
    assert test.fee == 0
    qualification_test_fund(actor=boss, test=test, attempts=5)
    assert ledger.escrow_balance(project=test) == 1_000
    assert ledger.coop_fund_balances(coop=coop)["treasury"] == 4_000


def test_attempt_submit_pays_once_grants_on_a_pass_and_shows_what_was_wrong():
    test = paid_test(CoopFactory())
    m = member(test.qualification.coop).user
    first = attempt_start(member=m, test=test)
    assert attempt_start(member=m, test=test) == first  # resuming, not a second attempt
    done = attempt_submit(member=m, attempt=first, answers={**HALF, "sum": "5"})
    assert (done.score, done.passed, done.wrong) == (50, False, ["sum", "colours"])
    assert ledger.wallet_balance(user=m) == 300
    assert not QualificationGrant.objects.filter(member=m).exists()
    second = attempt_start(member=m, test=test)
    done = attempt_submit(member=m, attempt=second, answers={**RIGHT, "word": "  TSARA "})
    assert (done.score, done.passed, done.number) == (100, True, 2)
    assert ledger.wallet_balance(user=m) == 600
    grant = QualificationGrant.objects.get(member=m, qualification=test.qualification)
    assert grant.source == "test" and grant.evidence == {"score": 100, "pass_mark": 75, "attempt": second.pk}
    granted = Event.objects.filter(type="qualification.granted").last().payload_json
    assert granted["evidence"]["score"] == 100 and granted["version"] == 1
    assert explain(member=m, qualification=test.qualification)["held"]
    with pytest.raises(DomainError) as info:
        attempt_start(member=m, test=test)
    assert info.value.code == "already_qualified"


def test_an_attempt_submitted_twice_is_paid_once():
    test = paid_test(CoopFactory())
    m = member(test.qualification.coop).user
    attempt = attempt_start(member=m, test=test)
    attempt_submit(member=m, attempt=attempt, answers=HALF)
    with pytest.raises(DomainError) as info:
        attempt_submit(member=m, attempt=attempt, answers=RIGHT)
    assert info.value.code == "already_submitted"
    assert ledger.wallet_balance(user=m) == 300
    assert Transaction.objects.filter(key=f"test_attempt:{attempt.pk}:pay").count() == 1
    assert Attempt.objects.get(pk=attempt.pk).score == 50


def test_a_test_paying_nothing_under_a_floor_of_0_is_scored_once_without_a_ledger_movement():
    """A floor of 0 (the market simulator's MTurk-like coops) lets a test pay 0: its funding held
    nothing, and its attempts are scored, graded and recorded without an (empty) ledger movement."""
    with pytest.raises(DomainError) as info:  # under a floor, 0 is below it
        paid_test(CoopFactory(), reward=0, attempts=0)
    assert info.value.code == "below_floor_rate"
    test = paid_test(CoopFactory(params={"floor_hourly_rate": 0}), reward=0, attempts=2)
    assert test.attempts_funded == 2 and ledger.escrow_balance(project=test) == 0
    assert not Transaction.objects.filter(key__startswith=f"qualification_test:{test.pk}:").exists()
    m = member(test.qualification.coop).user
    before = Transaction.objects.count()
    attempt = attempt_submit(member=m, attempt=attempt_start(member=m, test=test), answers=RIGHT)
    assert (attempt.status, attempt.score, attempt.passed, attempt.reward) == ("submitted", 100, True, 0)
    assert QualificationGrant.objects.filter(member=m, qualification=test.qualification, source="test").exists()
    assert Transaction.objects.count() == before and ledger.wallet_balance(user=m) == 0
    submitted = Event.objects.filter(type="test_attempt.submitted").last().payload_json
    assert submitted["reward"] == 0 and submitted["passed"] is True
    with pytest.raises(DomainError) as info:
        attempt_submit(member=m, attempt=attempt, answers=RIGHT)
    assert info.value.code == "already_submitted"
    assert Event.objects.filter(type="test_attempt.submitted").count() == 1


def test_invalid_answers_change_nothing():
    test = paid_test(CoopFactory())
    m = member(test.qualification.coop).user
    attempt = attempt_start(member=m, test=test)
    with pytest.raises(DomainError) as info:
        attempt_submit(member=m, attempt=attempt, answers={**RIGHT, "capital": "Paris"})
    assert info.value.code == "invalid_answers" and "capital" in info.value.extra["fields"]
    assert Attempt.objects.get(pk=attempt.pk).status == "started" and ledger.wallet_balance(user=m) == 0


def test_the_test_closes_when_its_budget_is_spent_until_topped_up():
    test = paid_test(CoopFactory(), attempts=1)
    first, second = member(test.qualification.coop).user, member(test.qualification.coop).user
    attempt_start(member=first, test=test)
    with pytest.raises(DomainError) as info:
        attempt_start(member=second, test=test)
    assert info.value.code == "test_budget_spent" and "funds more" in str(info.value.message)
    qualification_test_fund(actor=test.qualification.organisation.staff.first().user, test=test, attempts=1)
    assert attempt_start(member=second, test=test).number == 1


def test_retry_delay_and_attempt_limit():
    test = paid_test(CoopFactory(), retry_hours=24)
    m = member(test.qualification.coop).user
    attempt_submit(member=m, attempt=attempt_start(member=m, test=test), answers=HALF)
    with pytest.raises(DomainError) as info:
        attempt_start(member=m, test=test)
    assert info.value.code == "retry_later"
    Attempt.objects.filter(member=m).update(submitted_at=timezone.now() - timedelta(hours=25))
    for _ in range(2):
        attempt_submit(member=m, attempt=attempt_start(member=m, test=test), answers=HALF)
        Attempt.objects.filter(member=m).update(submitted_at=timezone.now() - timedelta(hours=25))
    with pytest.raises(DomainError) as info:
        attempt_start(member=m, test=test)
    assert info.value.code == "no_attempts_left"
    assert ledger.wallet_balance(user=m) == 900


def test_a_late_submission_is_paid_but_cannot_pass():
    test = paid_test(CoopFactory())
    m = member(test.qualification.coop).user
    attempt = attempt_start(member=m, test=test)
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(minutes=1))
    done = attempt_submit(member=m, attempt=attempt, answers=RIGHT)
    assert done.late and not done.passed and done.score == 100
    assert ledger.wallet_balance(user=m) == 300


def test_unsubmitted_attempts_expire_unpaid_and_give_back_their_place():
    test = paid_test(CoopFactory(), attempts=1)
    m = member(test.qualification.coop).user
    attempt = attempt_start(member=m, test=test)
    assert attempts_expire_due() == 0
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(hours=2))
    assert attempts_expire_due() == 1
    test.refresh_from_db()
    assert test.attempts_left == 1 and Attempt.objects.get(pk=attempt.pk).status == "expired"
    assert ledger.wallet_balance(user=m) == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_attempt_submitted_twice_at_once_is_paid_once():
    test = paid_test(CoopFactory())
    m = member(test.qualification.coop).user
    attempt = attempt_start(member=m, test=test)
    outcomes = together([lambda: attempt_submit(member=m, attempt=attempt, answers=RIGHT)] * 2)
    assert outcome_codes(outcomes, done="paid") == ["already_submitted", "paid"]
    assert ledger.wallet_balance(user=m) == 300
    assert Transaction.objects.filter(key=f"test_attempt:{attempt.pk}:pay").count() == 1
    assert QualificationGrant.objects.filter(member=m, revoked_at__isnull=True).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_members_racing_for_the_last_funded_attempt_one_gets_it():
    test = paid_test(CoopFactory(), attempts=1)
    racers = [member(test.qualification.coop).user for _ in range(2)]
    outcomes = together([lambda u=u: attempt_start(member=u, test=test) for u in racers])
    assert outcome_codes(outcomes, done="started") == ["started", "test_budget_spent"]
    test.refresh_from_db()
    assert test.attempts_reserved == 1 and Attempt.objects.count() == 1


@pytest.mark.parametrize("reward, fundings", [
    (20, [7]), (20, [3, 4, 1]), (30, [10, 10]), (45, [1, 2, 3]), (199, [6]), (317, [2, 5]), (1001, [3]),
])
def test_paid_attempts_split_each_funding_like_a_batch_and_empty_the_escrow(reward, fundings):
    """A 20-cent attempt pays a 1-cent fee, all to the coop, rounded per attempt: the juror fund
    got nothing. Each funding is now a batch (tasks/fees.py): its parts add up to the voted
    percentages, and paying every funded attempt moves exactly what the fundings held."""
    coop = CoopFactory(params={"floor_hourly_rate": 120})  # so a 1-minute test may pay 2 cents and up
    test = paid_test(coop, reward=reward, estimated_minutes=1, attempts=0)
    owner = test.qualification.organisation.owner
    for attempts in fundings:
        test = qualification_test_fund(actor=owner, test=test, attempts=attempts)
    expected = [batch_fees(reward=reward, slots=n, rulebook=FEES) for n in fundings]
    assert test.funding_fees == [[n, f.fee_coop, f.fee_federation, f.fee_juror]
                                 for n, f in zip(fundings, expected, strict=True)]
    assert test.fee == sum(f.total for f in expected)
    assert all(f.total == reward * n * 500 // 10_000 for n, f in zip(fundings, expected, strict=True))
    paid = []
    for _ in range(sum(fundings)):  # one member per attempt, each a wrong answer (still paid)
        m = member(coop).user
        paid.append(attempt_submit(member=m, attempt=attempt_start(member=m, test=test), answers=HALF))
    shares = [(a.fee_coop, a.fee_federation, a.fee_juror) for a in paid]
    assert shares == [s for f in expected for s in f.slots]  # the n-th attempt paid takes the n-th slot
    assert ledger.escrow_balance(project=test) == 0
    funds = ledger.coop_fund_balances(coop=coop)
    assert funds["juror_fund"] == test.fee_juror == sum(f.fee_juror for f in expected)
    assert ledger.federation_fee_balance() == test.fee_federation


@settings(max_examples=300, deadline=None)
@given(reward=st.integers(min_value=1, max_value=100_000),
       fundings=st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=6))
def test_attempt_fees_over_any_fundings_add_up_to_each_fundings_voted_shares(reward, fundings):
    """Property: whatever the pay and however the attempts are funded, the shares the attempts
    take, in order, add up to each funding's batch fee, whose parts are within a unit of the
    voted percentages and add up to the voted fee rounded down once."""
    batches = [batch_fees(reward=reward, slots=n, rulebook=FEES) for n in fundings]
    test = SimpleNamespace(funding_fees=[[n, b.fee_coop, b.fee_federation, b.fee_juror]
                                         for n, b in zip(fundings, batches, strict=True)])
    shares = [attempt_fees(test=test, index=i) for i in range(sum(fundings))]
    offset = 0
    for n, batch in zip(fundings, batches, strict=True):
        mine = shares[offset:offset + n]
        offset += n
        assert tuple(sum(s[i] for s in mine) for i in range(3)) == (batch.fee_coop, batch.fee_federation,
                                                                    batch.fee_juror)
        assert batch.total == reward * n * 500 // 10_000
        for part, pct in ((batch.fee_coop, 70), (batch.fee_federation, 20), (batch.fee_juror, 10)):
            assert abs(part * 100 - batch.total * pct) < 100
    with pytest.raises(DomainError):  # past the funded attempts there is nothing to pay
        attempt_fees(test=test, index=sum(fundings))
