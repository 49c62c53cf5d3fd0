"""The qualifications' reads (tasks/qualifications/selectors.py): where a member stands for each
kind of qualification, who meets a project's requirements, why a test cannot be started, what a
paid test's escrow still owes, and the work behind each qualification."""

from datetime import timedelta

import pytest
from django.utils import timezone

from coop.core.errors import NotFound
from tasks.qualifications import selectors
from tasks.qualifications.models import Attempt, ProjectRequirement
from tasks.qualifications.services import attempt_start, attempt_submit, qualification_grant
from tests.factories import (
    RIGHT,
    computed_qualification,
    decided_assignment,
    granted_qualification,
    member,
    open_project,
    paid_test,
    steward,
)

pytestmark = pytest.mark.django_db

ONE_APPROVED = {"metric": "approved_assignments", "op": ">=", "value": 1}


def test_get_raises_not_found_for_a_missing_row(coop):
    qualification = granted_qualification(coop)
    assert selectors.qualification_get(pk=qualification.pk) == qualification
    with pytest.raises(NotFound) as info:
        selectors.qualification_get(pk=qualification.pk + 1000)
    assert info.value.code == "no_qualification"
    with pytest.raises(NotFound):
        selectors.revocation_get(pk=1)


def test_explain_a_computed_qualification_clause_by_clause(coop):
    qualification = computed_qualification(coop, ONE_APPROVED, name="Has worked")
    worker = member(coop).user
    before = selectors.explain(member=worker, qualification=qualification)
    assert not before["passed"] and not before["held"]
    assert before["next_step"].startswith("Still needed:")
    assert [c["passed"] for c in before["clauses"]] == [False]
    decided_assignment(worker, open_project(coop), "approved")
    after = selectors.explain(member=worker, qualification=qualification)
    assert after["passed"] and after["next_step"] == "You meet the rule: the qualification is being granted."


def test_explain_a_granted_qualification_and_explain_all(coop):
    qualification = granted_qualification(coop)
    worker = member(coop).user
    assert selectors.explain(member=worker, qualification=qualification)["clauses"][0]["value_text"] == "not granted"
    qualification_grant(actor=steward(coop).user, qualification=qualification, member=worker,
                        reason="Careful reviews for three months.")
    computed = computed_qualification(coop, ONE_APPROVED, name="Has worked")
    both = selectors.explain_all(member=worker, qualifications=[qualification, computed])
    assert [(e["qualification"], e["passed"], e["held"]) for e in both] == [(qualification, True, True),
                                                                            (computed, False, False)]
    assert selectors.rule_words(qualification) == "granted by hand, with a written reason"


def test_rule_words_of_a_test(coop):
    test = paid_test(coop, attempts=0, pass_mark=80)
    assert selectors.rule_words(test.qualification) == (
        "pass its paid test with at least 80% of the answers right")


def test_members_meeting_every_qualification(coop):
    boss = steward(coop).user
    worked, holder, both = member(coop).user, member(coop).user, member(coop).user
    project = open_project(coop)
    decided_assignment(worked, project, "approved")
    decided_assignment(both, project, "approved")
    granted = granted_qualification(coop)
    for user in (holder, both):
        qualification_grant(actor=boss, qualification=granted, member=user, reason="Vouched for twice.")
    computed = computed_qualification(coop, ONE_APPROVED, name="Has worked")
    assert selectors.members_meeting(coop=coop, qualifications=[computed]) == {worked.pk, both.pk}
    assert selectors.members_meeting(coop=coop, qualifications=[computed, granted]) == {both.pk}
    required = open_project(coop)
    ProjectRequirement.objects.create(project=required, qualification=computed, added_by=boss)
    assert selectors.project_eligible_count(project=required) == 2
    assert selectors.project_eligible_count(project=required, qualifications=[granted.pk]) == 2
    context = selectors.project_requirements_context(project=required)
    assert (context["eligible_count"], context["active_count"]) == (2, 4)
    assert [r["qualification"] for r in context["required"]] == [computed]
    assert "eligible_count" not in selectors.project_requirements_context(project=required, count=False)


def test_attempt_blocker_says_why_a_test_cannot_be_started(coop):
    test = paid_test(coop, attempts=1, retry_hours=24)
    worker, late = member(coop).user, member(coop).user
    assert selectors.attempt_blocker(member=worker, test=test) is None
    attempt = attempt_start(member=worker, test=test)
    assert selectors.attempt_blocker(member=worker, test=test) is None  # resuming is always possible
    attempt_submit(member=worker, attempt=attempt, answers=dict(RIGHT))
    assert selectors.attempt_blocker(member=worker, test=test).code == "already_qualified"
    test.refresh_from_db()
    assert selectors.attempt_blocker(member=late, test=test).code == "test_budget_spent"


def test_attempt_blocker_retry_later_and_no_attempts_left(coop):
    test = paid_test(coop, attempts=5, retry_hours=24)
    worker = member(coop).user
    wrong = {"capital": "Toamasina", "sum": 5, "word": "ratsy", "colours": ["dog"]}
    attempt_submit(member=worker, attempt=attempt_start(member=worker, test=test), answers=wrong)
    blocker = selectors.attempt_blocker(member=worker, test=test)
    assert blocker.code == "retry_later" and "retry_at" in blocker.extra
    later = timezone.now() + timedelta(hours=25)
    assert selectors.attempt_blocker(member=worker, test=test, now=later) is None
    Attempt.objects.filter(test=test, member=worker).update(number=test.max_attempts)
    for number in range(1, test.max_attempts):
        Attempt.objects.create(test=test, member=worker, number=number, status="expired",
                               deadline_at=timezone.now(), rulebook_version=1)
    assert selectors.attempt_blocker(member=worker, test=test, now=later).code == "no_attempts_left"


def test_test_escrow_obligations_owe_the_funded_attempts_not_yet_paid(coop):
    test = paid_test(coop, attempts=3, reward=300)
    assert selectors.test_escrow_obligations(ids=[test.pk]) == {test.pk: 3 * 300 + test.fee}
    worker = member(coop).user
    attempt = attempt_submit(member=worker, attempt=attempt_start(member=worker, test=test), answers=dict(RIGHT))
    paid = attempt.reward + attempt.fee_coop + attempt.fee_federation + attempt.fee_juror
    assert selectors.test_escrow_obligations(ids=[test.pk]) == {test.pk: 3 * 300 + test.fee - paid}


def test_available_qualifications_and_the_work_behind_them(coop):
    mine = granted_qualification(coop)
    project = open_project(coop, tasks=4)
    other_requester = paid_test(coop, attempts=0).qualification
    assert list(selectors.qualifications_available_for(project)) == [mine]
    assert other_requester not in selectors.qualifications_available_for(project)
    ProjectRequirement.objects.create(project=project, qualification=mine, added_by=steward(coop).user)
    assert selectors.open_work_counts(qualification_ids=[mine.pk]) == {mine.pk: {"projects": 1, "slots": 4}}
    worker = member(coop).user
    work = selectors.work_by_qualification(member=worker, qualification_ids=[mine.pk])
    assert work[mine.pk] == {"open_projects": 1, "open_slots": 4, "recent_projects": 1, "my_tasks": 0, "days": 30}
