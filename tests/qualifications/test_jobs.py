"""The qualifications' jobs (tasks/qualifications/jobs.py): re-evaluation of members whose work
was decided lately and of every computed qualification, expired attempts, and the work watch."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Notice
from tasks.qualifications import jobs
from tasks.qualifications.models import Attempt, ProjectRequirement, QualificationGrant
from tasks.qualifications.services import attempt_start, qualification_grant
from tests.factories import (
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


def _holds(user, qualification):
    return QualificationGrant.objects.filter(member=user, qualification=qualification, revoked_at__isnull=True).exists()


def test_reevaluate_recent_grants_to_members_whose_work_was_just_decided(coop):
    qualification = computed_qualification(coop, ONE_APPROVED, name="Has worked")
    recent, old = member(coop).user, member(coop).user
    decided_assignment(recent, open_project(coop), "approved")
    decided_assignment(old, open_project(coop), "approved", days_ago=2)
    assert jobs.reevaluate_recent() == 1
    assert _holds(recent, qualification) and not _holds(old, qualification)
    assert jobs.reevaluate_recent() == 0  # run again: nothing changes


def test_reevaluate_all_and_the_single_jobs(coop):
    qualification = computed_qualification(coop, ONE_APPROVED, name="Has worked")
    old = member(coop).user
    decided_assignment(old, open_project(coop), "approved", days_ago=2)
    assert jobs.reevaluate_all() == {"granted": 1, "revoked": 0}
    assert _holds(old, qualification)
    assert jobs.qualification_reevaluate_job(qualification.pk)["granted"] == 0
    assert jobs.qualification_reevaluate_job(qualification.pk + 1000) is None
    assert jobs.member_reevaluate_job(old.pk) == {}
    assert jobs.member_reevaluate_job(old.pk + 1000) == {}


def test_attempts_expire_ends_attempts_past_their_limit(coop):
    test = paid_test(coop, attempts=2)
    attempt = attempt_start(member=member(coop).user, test=test)
    assert jobs.attempts_expire() == 0
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(hours=1, minutes=1))
    assert jobs.attempts_expire() == 1
    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.EXPIRED


def test_work_watch_tells_holders_when_work_runs_dry_and_when_it_opens(coop):
    boss = steward(coop).user
    qualification = granted_qualification(coop)
    holder = member(coop).user
    qualification_grant(actor=boss, qualification=qualification, member=holder, reason="Vouched for twice.")
    project = open_project(coop, tasks=1)
    ProjectRequirement.objects.create(project=project, qualification=qualification, added_by=boss)
    told = Notice.objects.filter(user=holder, kind="qualification").count()  # the grant's notice
    assert jobs.work_watch() == {"dry": 0, "reopened": 0}
    project.status = "paused"
    project.save(update_fields=["status"])
    assert jobs.work_watch(now=timezone.now() + timedelta(days=8)) == {"dry": 1, "reopened": 0}
    assert jobs.work_watch(now=timezone.now() + timedelta(days=9)) == {"dry": 0, "reopened": 0}  # told once
    open_project(coop, tasks=1).qualification_requirements.create(qualification=qualification, added_by=boss)
    assert jobs.work_watch(now=timezone.now() + timedelta(days=10)) == {"dry": 0, "reopened": 1}
    assert Notice.objects.filter(user=holder, kind="qualification").count() == told + 2
