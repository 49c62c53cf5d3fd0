"""The marketplace's scheduled jobs (tasks/jobs.py): what each finds due by its dates, each
item in its own transaction so one failure does not stop the rest, and the queued jobs that
call a service with ids."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Notice
from coop.core.errors import DomainError
from tasks import jobs, services
from tasks.models import Assignment, ProjectWatch, Slot
from tasks.services import assignment_claim, assignment_submit
from tests.factories import CoopFactory, member, published_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def coop():
    return CoopFactory()


def _submit(project):
    worker = member(project.coop).user
    assignment = assignment_claim(member=worker, project=project)
    return assignment_submit(member=worker, assignment=assignment, answers={"label": "yes"})


def test_auto_approve_due_keeps_each_projects_own_delay(coop):
    quick = published_project(coop, tasks=1, auto_approval_hours=1)
    slow = published_project(coop, tasks=1, auto_approval_hours=48)
    fast_work, slow_work = _submit(quick), _submit(slow)
    assert jobs.auto_approve_due(now=timezone.now() + timedelta(hours=2)) == 1
    assert Assignment.objects.get(pk=fast_work.pk).status == "approved"
    assert Assignment.objects.get(pk=slow_work.pk).status == "submitted"
    assert jobs.auto_approve_due(now=timezone.now() + timedelta(hours=49)) == 1


def test_a_failing_item_is_skipped_and_the_rest_go_on(coop, monkeypatch):
    project = published_project(coop, tasks=3, auto_approval_hours=1)
    first, second, third = (_submit(project) for _ in range(3))
    approve = services.assignment_auto_approve

    def assignment_auto_approve(*, assignment_id, now):
        if assignment_id == second.pk:
            raise DomainError("stuck", "This one cannot be approved now.")
        return approve(assignment_id=assignment_id, now=now)

    monkeypatch.setattr(services, "assignment_auto_approve", assignment_auto_approve)
    assert jobs.auto_approve_due(now=timezone.now() + timedelta(hours=2)) == 2
    statuses = dict(Assignment.objects.values_list("pk", "status"))
    assert (statuses[first.pk], statuses[second.pk], statuses[third.pk]) == ("approved", "submitted", "approved")


def test_expire_due_reopens_the_slot_of_work_past_its_limit(coop):
    project = published_project(coop, tasks=1, time_limit_minutes=30)
    worker = member(coop).user
    claimed = assignment_claim(member=worker, project=project)
    assert jobs.expire_due() == 0
    assert jobs.expire_due(now=timezone.now() + timedelta(minutes=31)) == 1
    assert Assignment.objects.get(pk=claimed.pk).status == "expired"
    assert Slot.objects.get(pk=claimed.slot_id).status == Slot.Status.OPEN


def test_watchers_notify_tells_the_watchers_once(coop):
    project = published_project(coop, tasks=1)
    watcher = member(coop).user
    ProjectWatch.objects.create(coop=coop, project=project, member=watcher)
    assert jobs.watchers_notify(project.pk) == 1
    assert jobs.watchers_notify(project.pk) == 0
    assert Notice.objects.filter(user=watcher, kind="work_open").count() == 1
