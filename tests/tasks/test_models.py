"""The marketplace's models (tasks/models.py): their small properties (fees, hourly rate, the
auto-approval time, time spent, an import's progress) and the constraints the database keeps."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from tasks.models import Assignment, Bonus, Project, Slot, TaskImport
from tests.factories import CoopFactory, member, open_project


def test_project_fee_hourly_rate_and_floor_minutes():
    project = Project(title="Receipts", reward=45, estimated_minutes=4, fee_coop=30, fee_federation=8, fee_juror=2,
                      status=Project.Status.PAUSED, floor_median_seconds=400)
    assert (project.fee, project.hourly_rate, project.is_open) == (40, 675, False)
    assert project.floor_median_minutes == 6.7
    assert str(project) == "Receipts"
    assert Project(reward=10, estimated_minutes=0).hourly_rate == 600  # never a division by zero
    assert Project(floor_median_seconds=None).floor_median_minutes is None


def test_slot_fee_adds_its_shares():
    assert Slot(fee_coop=3, fee_federation=1, fee_juror=2).fee == 6


def test_assignment_auto_approve_at_only_for_submitted_work():
    submitted_at = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    project = Project(auto_approval_hours=72)
    submitted = Assignment(project=project, status=Assignment.Status.SUBMITTED, submitted_at=submitted_at)
    assert submitted.auto_approve_at == submitted_at + timedelta(hours=72)
    assert Assignment(project=project, status=Assignment.Status.APPROVED, submitted_at=submitted_at
                      ).auto_approve_at is None
    assert Assignment(status=Assignment.Status.CLAIMED).is_open
    assert Assignment(status=Assignment.Status.REVISION_REQUESTED).is_open
    assert not Assignment(status=Assignment.Status.SUBMITTED).is_open


@pytest.mark.parametrize(("seconds", "shown"), [(None, ""), (42, "42 s"), (185, "3 min 05 s"), (3600, "60 min 00 s")])
def test_assignment_time_spent_display(seconds, shown):
    assert Assignment(time_spent_seconds=seconds).time_spent_display == shown


@pytest.mark.parametrize(("processed", "total", "percent"), [(0, 0, 100), (5, 20, 25), (19, 20, 95), (30, 20, 100)])
def test_task_import_percent(processed, total, percent):
    assert TaskImport(processed_rows=processed, total_rows=total).percent == percent


@pytest.mark.django_db
def test_the_database_refuses_a_negative_reward_a_second_slot_number_a_second_live_assignment_and_a_zero_bonus():
    project = open_project(CoopFactory(), tasks=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(reward=-1)
    slot = Slot.objects.get(project=project)
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.create(task=slot.task, project=project, number=slot.number)
    worker = member(project.coop).user
    assignment = Assignment.objects.create(slot=slot, task=slot.task, project=project, member=worker,
                                           deadline_at=datetime.now(UTC))
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(slot=slot, task=slot.task, project=project, member=member(project.coop).user,
                                  deadline_at=datetime.now(UTC))  # the slot is held already
    with pytest.raises(IntegrityError), transaction.atomic():
        Bonus.objects.create(organisation=project.organisation, assignment=assignment, amount=0, reason="x",
                             created_by=worker)
    assert str(assignment) == f"assignment {assignment.pk} (claimed)"
