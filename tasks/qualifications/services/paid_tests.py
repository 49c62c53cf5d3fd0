"""Paid qualification tests: define, fund, start, submit (paid exactly once), expire.

Money moves only through the ledger's services, with keys from domain ids:
  qualification_test:<id>:fund:<n>   funding n of a test (requester balance or coop treasury -> escrow)
  test_attempt:<id>:pay              one attempt's pay (escrow -> member wallet, plus the fees)
A test is held in escrow like a project: the `QualificationTest` row is the duck-typed
"project" the ledger asks for (`pk`, `coop_id`, `organisation_id`).

Fees (requesters' tests only) are those of a project's batch (tasks/fees.py, issue 16 point 2):
each funding of n attempts is a batch whose fee is the voted percentage of its pay, rounded
down once and split exactly by largest remainder, so the coop, federation and juror-fund parts
add up to the voted percentages on any funding. The n-th attempt paid (under the test's lock)
takes the n-th slot's share of the fundings in order, so paying every funded attempt moves out
of the escrow exactly what the fundings held."""

import math
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from coop.core.db import retry_transaction
from coop.core.errors import Conflict, DomainError, NotFound
from coop.core.money import format_amount
from coop.eventlog.services import event_record
from coop.federation.locks import membership_for_update
from coop.federation.models import Coop
from coop.federation.selectors import Rulebook, rulebook_in_force
from ledger import services
from tasks.fees import batch_fees, slot_share
from tasks.qualifications import locks
from tasks.qualifications.enqueue import enqueue_member_reevaluate
from tasks.qualifications.errors import TestClosed
from tasks.qualifications.models import Attempt, Qualification, QualificationGrant, QualificationTest
from tasks.qualifications.permissions import owner_require
from tasks.qualifications.selectors import attempt_blocker
from tasks.qualifications.services.qualifications import _active_grant, _grant, qualification_create
from tasks.questions import answers_validate, form_validate
from tasks.selectors import terms_of

EXPIRY_GRACE = timedelta(hours=1)  # unsubmitted attempts expire this long after their time limit
MAX_FUNDED_ATTEMPTS = 10_000


def _ledger():
    return services


def _int(value, name, low, high):
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DomainError("invalid_" + name, _("%(name)s must be a whole number between %(low)d and %(high)d.")
                          % {"name": name.replace("_", " "), "low": low, "high": high}, {"field": name})
    return value


def reward_minimum(*, rulebook: Rulebook | dict, estimated_minutes: int) -> int:
    """The floor rate for the estimated time, rounded up to the next minor unit."""
    return math.ceil(rulebook["floor_hourly_rate"] * estimated_minutes / 60)


def _funding_fees(test, attempts):
    """The fees of funding `attempts` more attempts of `test`: a batch under the fee terms of the
    rulebook version the test was defined under (DESIGN.md seam 1); none on coop tests."""
    if test.qualification.organisation_id is None:
        return batch_fees(reward=test.reward, slots=attempts, rulebook={
            "platform_fee_bps": 0, "federation_share_bps": 0, "juror_fund_bps": 0})
    rulebook = rulebook_in_force(coop=test.qualification.coop)
    return batch_fees(reward=test.reward, slots=attempts, rulebook=terms_of(test, rulebook))


def attempt_fees(*, test: QualificationTest, index: int) -> tuple[int, int, int]:
    """The (fee_coop, fee_federation, fee_juror) of the `index`-th attempt paid (from 0): its slot
    in the fundings, in order."""
    offset = 0
    for attempts, *parts in test.funding_fees:
        if index < offset + attempts:
            return slot_share(parts=parts, slots=attempts, index=index - offset)
        offset += attempts
    raise TestClosed("test_budget_spent", _("This test has no funded attempt left to pay."))


def key_validate(form: dict, key: dict) -> dict:
    """The answer key: one expected answer per question, itself a valid answer to the form."""
    if not isinstance(key, dict) or set(key) != {f["name"] for f in form}:
        raise DomainError("invalid_answer_key", _("The answer key needs exactly one answer per question."),
                          {"questions": [f["name"] for f in form]})
    return answers_validate(form, key)


@retry_transaction
@transaction.atomic
def qualification_test_create(*, actor: User, coop: Coop, name: str, questions: list[dict], answer_key: dict,
                              pass_mark: int, time_limit_minutes: int, retry_hours: int, estimated_minutes: int,
                              reward: int, organisation: Organisation | None = None, description: str = "",
                              instructions: str = "", reason: str = "") -> QualificationTest:
    """Define a paid test and the `test`-kind qualification it earns."""
    owner_require(user=actor, coop_id=coop.pk, organisation_id=getattr(organisation, "pk", None))
    rulebook = rulebook_in_force(coop=coop)
    form = form_validate(questions)
    key = key_validate(form, answer_key)
    pass_mark = _int(pass_mark, "pass_mark", 1, 100)
    time_limit_minutes = _int(time_limit_minutes, "time_limit_minutes", 1, 600)
    estimated_minutes = _int(estimated_minutes, "estimated_minutes", 1, time_limit_minutes)
    retry_hours = _int(retry_hours, "retry_hours", 0, rulebook["test_retry_hours"])
    reward = _int(reward, "reward", 0, 10**12)
    minimum = reward_minimum(rulebook=rulebook, estimated_minutes=estimated_minutes)
    if reward < minimum:
        raise DomainError("below_floor_rate", _("Each attempt must pay at least the coop's floor rate for its "
                                                "estimated time: %(min)s for %(m)d minutes.")
                          % {"min": _money(minimum), "m": estimated_minutes}, {"minimum": minimum})
    qualification = qualification_create(actor=actor, coop=coop, organisation=organisation, name=name,
                                         kind=Qualification.Kind.TEST, description=description, reason=reason)
    test = QualificationTest.objects.create(
        qualification=qualification, instructions=(instructions or "").strip(), questions=form, answer_key=key,
        pass_mark=pass_mark, time_limit_minutes=time_limit_minutes, retry_hours=retry_hours,
        max_attempts=rulebook["max_test_attempts"], estimated_minutes=estimated_minutes, reward=reward,
        rulebook_version=rulebook.version)
    fee_bps = rulebook["platform_fee_bps"] if organisation is not None else 0
    event_record(type="qualification_test.created", coop=coop, actor=actor, subject=test,
                 payload={"test": test.pk, "qualification": qualification.pk, "reward": reward,
                          "platform_fee_bps": fee_bps, "rulebook_version": rulebook.version})
    return test


def _money(amount):
    return format_amount(amount)


@retry_transaction
@transaction.atomic
def qualification_test_fund(*, actor: User, test: QualificationTest, attempts: int) -> QualificationTest:
    """Fund `attempts` more attempts into the test's escrow: from the requester's balance, or,
    for the coop's own tests, from the coop treasury (a steward)."""
    test = locks.test_for_update(test.pk)
    qualification = test.qualification
    owner_require(user=actor, coop_id=qualification.coop_id, organisation_id=qualification.organisation_id)
    attempts = _int(attempts, "attempts", 1, MAX_FUNDED_ATTEMPTS)
    fees = _funding_fees(test, attempts)
    amount = attempts * test.reward + fees.total
    test.fundings += 1
    key = f"qualification_test:{test.pk}:fund:{test.fundings}"
    if amount:
        if qualification.organisation_id is None:
            _ledger().treasury_fund(coop=qualification.coop, project=test, amount=amount, key=key, actor=actor)
        else:
            _ledger().escrow_hold(project=test, amount=amount, key=key, actor=actor)
    test.attempts_funded += attempts
    test.funding_fees = [*test.funding_fees, [attempts, fees.fee_coop, fees.fee_federation, fees.fee_juror]]
    test.fee_coop += fees.fee_coop
    test.fee_federation += fees.fee_federation
    test.fee_juror += fees.fee_juror
    test.save(update_fields=["fundings", "attempts_funded", "funding_fees", "fee_coop", "fee_federation",
                             "fee_juror"])
    event_record(type="qualification_test.funded", coop=qualification.coop_id, actor=actor, subject=test,
                 payload={"test": test.pk, "attempts": attempts, "amount": amount, "funding": test.fundings,
                          "fee_coop": fees.fee_coop, "fee_federation": fees.fee_federation,
                          "fee_juror": fees.fee_juror})
    return test



@retry_transaction
@transaction.atomic
def attempt_start(*, member: User, test: QualificationTest, now: datetime | None = None) -> Attempt:
    """Start (or resume) an attempt. Reserves one funded attempt of the budget."""
    qualification = Qualification.objects.get(pk=test.qualification_id)
    if membership_for_update(user=member.pk, coop_id=qualification.coop_id) is None:
        raise DomainError("not_a_member", _("Only active members of this coop can take its tests."))
    test = locks.test_for_update(test.pk)
    current = Attempt.objects.filter(test=test, member=member, status=Attempt.Status.STARTED).first()
    if current is not None:
        return current
    now = now or timezone.now()
    blocker = attempt_blocker(member=member, test=test, now=now)
    if blocker is not None:
        raise blocker
    rulebook = rulebook_in_force(coop=qualification.coop_id, at=now)
    number = Attempt.objects.filter(test=test, member=member).count() + 1
    attempt = Attempt.objects.create(test=test, member=member, number=number, started_at=now,
                                         deadline_at=now + timedelta(minutes=test.time_limit_minutes),
                                         rulebook_version=rulebook.version)
    test.attempts_reserved += 1
    test.save(update_fields=["attempts_reserved"])
    event_record(type="test_attempt.started", coop=qualification.coop_id, actor=member, subject=attempt,
                 payload={"attempt": attempt.pk, "test": test.pk, "number": number})
    return attempt


def _same(field, given, expected):
    if given is None:
        return False
    if field["type"] == "multiple_choice":
        return sorted(given) == sorted(expected)
    if field["type"] == "number":
        return Decimal(str(given)) == Decimal(str(expected))
    if field["type"] == "text":
        return " ".join(str(given).split()).casefold() == " ".join(str(expected).split()).casefold()
    return given == expected


def score_answers(*, questions: list[dict], key: dict, answers: dict) -> tuple[int, list[str]]:
    """(score in % rounded down, names of the questions answered wrongly)."""
    wrong = [f["name"] for f in questions if not _same(f, answers.get(f["name"]), key.get(f["name"]))]
    return (len(questions) - len(wrong)) * 100 // len(questions), wrong


@retry_transaction
@transaction.atomic
def attempt_submit(*, member: User, attempt: Attempt, answers: dict, now: datetime | None = None) -> Attempt:
    """Score and pay an attempt, exactly once: a second submission is refused and pays nothing
    (the attempt row is locked; the ledger key `test_attempt:<id>:pay` moves money once). A test
    paying 0 (allowed only under a floor of 0) is scored and recorded without a ledger movement."""
    found = Attempt.objects.filter(pk=attempt.pk, member_id=member.pk).values_list(
        "test__qualification__coop_id", "test_id").first()
    if found is None:
        raise NotFound("no_attempt", _("No such attempt."))
    # lock order: membership, test, attempt (as attempt_start and attempts_expire_due); the
    # test's lock also numbers the attempts paid, which picks each one's share of the fees
    held = membership_for_update(user=member.pk, coop_id=found[0])
    locks.test_for_update(found[1])
    attempt = locks.attempt_for_update(attempt.pk)
    if attempt.status != Attempt.Status.STARTED:
        raise Conflict("already_submitted", _("This attempt was already submitted and paid."))
    test = QualificationTest.objects.select_related("qualification__coop", "qualification__current_version").get(
        pk=attempt.test_id)
    paid_before = Attempt.objects.filter(test=test, status=Attempt.Status.SUBMITTED).count()
    fee_coop, fee_federation, fee_juror = attempt_fees(test=test, index=paid_before)
    clean = answers_validate(test.questions, answers)
    now = now or timezone.now()
    score, wrong = score_answers(questions=test.questions, key=test.answer_key, answers=clean)
    late = now > attempt.deadline_at
    passed = not late and score >= test.pass_mark
    attempt.status, attempt.submitted_at, attempt.answers = Attempt.Status.SUBMITTED, now, clean
    attempt.score, attempt.wrong, attempt.passed, attempt.late = score, wrong, passed, late
    attempt.reward = test.reward
    attempt.fee_coop, attempt.fee_federation, attempt.fee_juror = fee_coop, fee_federation, fee_juror
    attempt.save()
    if test.reward + fee_coop + fee_federation + fee_juror:
        _ledger().escrow_release(project=test, user=member, reward=test.reward, fee_coop=fee_coop,
                                 fee_federation=fee_federation, fee_juror=fee_juror,
                                 key=f"test_attempt:{attempt.pk}:pay", actor=member)
    # else a test of a coop whose floor is 0 pays nothing (its funding held nothing either): the
    # attempt is scored, counted and recorded, and no ledger movement is made (the ledger refuses
    # an empty one); the attempt row's status keeps it submitted once
    qualification = test.qualification
    event_record(type="test_attempt.submitted", coop=qualification.coop_id, actor=member, subject=attempt,
                 payload={"attempt": attempt.pk, "test": test.pk, "score": score, "passed": passed,
                          "late": late, "reward": test.reward})
    if passed and held is not None and _active_grant(qualification, member.pk) is None:
        _grant(qualification=qualification, member_id=member.pk, source=QualificationGrant.Source.TEST,
               evidence={"score": score, "pass_mark": test.pass_mark, "attempt": attempt.pk})
    member_id = member.pk
    transaction.on_commit(lambda: enqueue_member_reevaluate(member_id))  # tests_passed changed
    return attempt


def attempts_expire_due(*, now: datetime | None = None) -> int:
    """Attempts never submitted, past their time limit and the grace: expired, unpaid, and
    their reserved place goes back to the test's budget. One transaction per attempt."""
    now = now or timezone.now()
    due = list(Attempt.objects.filter(status=Attempt.Status.STARTED, deadline_at__lt=now - EXPIRY_GRACE)
               .order_by("pk").values_list("pk", flat=True))
    expired = 0
    for pk in due:
        with transaction.atomic():
            attempt = Attempt.objects.get(pk=pk)
            test = locks.test_for_update(attempt.test_id)
            attempt = locks.attempt_for_update(pk)
            if attempt.status != Attempt.Status.STARTED:
                continue
            attempt.status = Attempt.Status.EXPIRED
            attempt.save(update_fields=["status"])
            test.attempts_reserved -= 1
            test.save(update_fields=["attempts_reserved"])
            event_record(type="test_attempt.expired", coop=test.qualification.coop_id, subject=attempt,
                         payload={"attempt": attempt.pk, "test": test.pk})
            expired += 1
    return expired
