from datetime import timedelta

import pytest
from django.utils import timezone

from coop.core.errors import DomainError, Forbidden
from coop.eventlog.models import Event
from ledger.selectors import coop_fund_balances, escrow_balance, requester_balance, wallet_balance, wallet_held
from tasks import jobs
from tasks.errors import InvalidState, RejectionReasonRequired
from tasks.models import Assignment
from tasks.services import (
    assignment_approve,
    assignment_bonus,
    assignment_claim,
    assignment_reject,
    assignment_request_revision,
    assignment_submit,
    assignments_approve,
)
from tests.factories import CoopFactory, member, organisation, published_project

pytestmark = pytest.mark.django_db

EXPLANATION = "The picture shows a dog, not a cat: see example 2 in the instructions."


@pytest.fixture
def setup():
    coop = CoopFactory()
    project = published_project(coop, tasks=4, reward=1000, estimated_minutes=10)
    workers = [member(coop).user for _ in range(3)]
    submitted = []
    for worker in workers:
        a = assignment_claim(member=worker, project=project)
        submitted.append(assignment_submit(member=worker, assignment=a, answers={"label": "yes"}))
    return project, project.organisation.owner, submitted


def test_approve_pays_the_member_and_the_coop_exactly_once(setup):
    project, owner, (a, *_rest) = setup
    escrow = escrow_balance(project=project)
    held = wallet_held(user=a.member)
    assert held["total"] == 1000 and held["lines"][0]["link"] == f"/work/assignments/{a.pk}/"
    assignment_approve(actor=owner, assignment=a)
    assert wallet_balance(user=a.member) == 1000
    assert coop_fund_balances(coop=project.coop)["treasury"] == 35
    assert coop_fund_balances(coop=project.coop)["juror_fund"] == 5
    assert escrow_balance(project=project) == escrow - 1050
    with pytest.raises(InvalidState):
        assignment_approve(actor=owner, assignment=a)
    assert wallet_balance(user=a.member) == 1000 and wallet_held(user=a.member)["total"] == 0
    event = Event.objects.get(type="assignment.approved")
    assert event.payload_json["organisation"] == project.organisation_id and event.payload_json["auto"] == 0


def test_approve_many_is_all_or_nothing(setup):
    project, owner, subs = setup
    assignment_approve(actor=owner, assignment=subs[0])
    with pytest.raises(InvalidState):
        assignments_approve(actor=owner, project=project, ids=[s.pk for s in subs])
    assert Assignment.objects.filter(status="approved").count() == 1
    assignments_approve(actor=owner, project=project, ids=[s.pk for s in subs[1:]])
    assert Assignment.objects.filter(status="approved").count() == 3
    assert sum(wallet_balance(user=s.member) for s in subs) == 3000


def test_only_the_projects_requester_may_review(setup):
    project, owner, (a, *_rest) = setup
    stranger = organisation().owner
    with pytest.raises(Forbidden):
        assignment_approve(actor=stranger, assignment=a)
    with pytest.raises(Forbidden):
        assignment_approve(actor=a.member, assignment=a)
    assert Assignment.objects.get(pk=a.pk).status == "submitted" and wallet_balance(user=a.member) == 0


def test_auto_approval_run_twice_pays_once_and_waits_for_the_delay(setup):
    project, owner, subs = setup
    assert jobs.auto_approve_due() == 0
    later = timezone.now() + timedelta(hours=project.auto_approval_hours, minutes=1)
    assert jobs.auto_approve_due(now=later) == 3
    assert jobs.auto_approve_due(now=later) == 0
    assert all(wallet_balance(user=s.member) == 1000 for s in subs)
    assert Assignment.objects.filter(auto_approved=True).count() == 3


def test_reject_needs_a_published_reason_and_an_explanation(setup):
    project, owner, (a, *_rest) = setup
    with pytest.raises(RejectionReasonRequired):
        assignment_reject(actor=owner, assignment=a, reason="", explanation=EXPLANATION)
    with pytest.raises(RejectionReasonRequired):
        assignment_reject(actor=owner, assignment=a, reason="made_up", explanation=EXPLANATION)
    with pytest.raises(RejectionReasonRequired):
        assignment_reject(actor=owner, assignment=a, reason="wrong_answer", explanation="bad")
    assert Assignment.objects.get(pk=a.pk).status == "submitted"
    rejected = assignment_reject(actor=owner, assignment=a, reason="wrong_answer", explanation=EXPLANATION)
    assert rejected.status == "rejected" and rejected.rejection_explanation == EXPLANATION
    assert rejected.appeal_deadline.date() == (timezone.now() + timedelta(days=7)).date()
    assert wallet_held(user=a.member)["total"] == 1000  # held until the appeal window closes
    event = Event.objects.get(type="assignment.rejected")
    assert event.payload_json["reason"] == "wrong_answer" and EXPLANATION.encode() not in bytes(event.payload)


def test_unappealed_rejection_becomes_final_and_refunds_once_leaving_appealed_alone(setup):
    project, owner, (a, b, _c) = setup
    assignment_reject(actor=owner, assignment=a, reason="wrong_answer", explanation=EXPLANATION)
    assignment_reject(actor=owner, assignment=b, reason="incomplete", explanation=EXPLANATION)
    Assignment.objects.filter(pk=b.pk).update(status=Assignment.Status.APPEALED)
    balance = requester_balance(organisation=project.organisation)
    assert jobs.finalise_rejections_due() == 0
    later = timezone.now() + timedelta(days=8)
    assert jobs.finalise_rejections_due(now=later) == 1
    assert jobs.finalise_rejections_due(now=later) == 0
    assert requester_balance(organisation=project.organisation) == balance + 1050
    assert Assignment.objects.get(pk=a.pk).status == "rejection_final"
    assert Assignment.objects.get(pk=b.pk).status == "appealed"
    assert wallet_balance(user=a.member) == 0


def test_revision_round_trip_and_bonus(setup):
    project, owner, (a, *_rest) = setup
    with pytest.raises(DomainError):
        assignment_request_revision(actor=owner, assignment=a, comment="no")
    returned = assignment_request_revision(actor=owner, assignment=a, comment="Please also fill in the note.")
    assert returned.status == "revision_requested" and returned.draft == {"label": "yes"}
    again = assignment_submit(member=a.member, assignment=a, answers={"label": "no", "note": "fixed"})
    assert again.status == "submitted" and again.revisions == 1
    assignment_approve(actor=owner, assignment=a)
    assignment_bonus(actor=owner, assignment=a, amount=200, reason="Careful notes, thank you.")
    assert wallet_balance(user=a.member) == 1200
    with pytest.raises(DomainError):
        assignment_bonus(actor=owner, assignment=a, amount=0, reason="Careful notes, thank you.")
    assert wallet_balance(user=a.member) == 1200
