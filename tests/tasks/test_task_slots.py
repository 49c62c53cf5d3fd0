"""One task's slots after publishing (tasks/services/task_slots.py): closing a task refunds its
open slots once, adding slots holds their cost at once, and bad requests change nothing."""

import pytest

from coop.core.errors import DomainError
from coop.eventlog.models import Event
from ledger.selectors import escrow_balance, requester_balance
from tasks.errors import InvalidState
from tasks.models import Project, Slot, Task
from tasks.selectors import open_slots_of
from tasks.services import assignment_claim
from tasks.services.task_slots import MAX_SLOTS_PER_TASK, task_close, task_slots_add
from tests.factories import CoopFactory, member, organisation, published_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    return published_project(CoopFactory(), tasks=2, reward=100, assignments_per_task=3)


def _owner(project):
    return project.organisation.staff.first().user


def test_task_close_refunds_the_open_slots_once(project):
    task = Task.objects.filter(project=project).first()
    assignment_claim(member=member(project.coop).user, project=project)  # takes a slot of the first task
    open_slots = list(Slot.objects.filter(task=task, status=Slot.Status.OPEN))
    cost = sum(100 + slot.fee for slot in open_slots)
    balance = requester_balance(organisation=project.organisation)
    assert task_close(actor=_owner(project), task=task) == cost
    assert requester_balance(organisation=project.organisation) == balance + cost
    assert Slot.objects.filter(task=task, status=Slot.Status.CANCELLED).count() == len(open_slots) == 2
    assert Slot.objects.filter(task=task, status=Slot.Status.TAKEN).count() == 1  # work claimed goes on
    fresh = Project.objects.get(pk=project.pk)
    assert open_slots_of(fresh.pk) == 6 - 3 and fresh.escrow_refunded == cost
    assert Task.objects.get(pk=task.pk).closed_at is not None
    assert task_close(actor=_owner(project), task=task.pk) == 0  # closed already: nothing more
    assert Event.objects.filter(type="task.closed").count() == 1


def test_task_close_by_someone_else_is_refused_and_changes_nothing(project):
    task = Task.objects.filter(project=project).first()
    with pytest.raises(DomainError) as info:
        task_close(actor=organisation().owner, task=task)
    assert info.value.code == "not_organisation_staff"
    assert Slot.objects.filter(task=task, status=Slot.Status.OPEN).count() == 3
    assert Task.objects.get(pk=task.pk).closed_at is None


def test_task_slots_add_opens_numbered_slots_and_holds_their_cost(project):
    task = Task.objects.filter(project=project).last()
    escrow = escrow_balance(project=project)
    amount = task_slots_add(actor=_owner(project), task=task, count=2)
    added = Slot.objects.filter(task=task, number__in=[3, 4])
    assert added.count() == 2 and amount == 200 + sum(slot.fee for slot in added)
    assert escrow_balance(project=project) == escrow + amount
    assert open_slots_of(project.pk) == 8
    assert Event.objects.get(type="task.slots_added").payload_json["slots"] == 2


@pytest.mark.parametrize(("count", "code"), [(0, "too_many_slots"), (MAX_SLOTS_PER_TASK, "too_many_slots"),
                                             (True, "too_many_slots"), ("2", "too_many_slots")])
def test_task_slots_add_refuses_a_bad_count(project, count, code):
    task = Task.objects.filter(project=project).first()
    with pytest.raises(InvalidState) as info:
        task_slots_add(actor=_owner(project), task=task, count=count)
    assert info.value.code == code
    assert Slot.objects.filter(task=task).count() == 3


def test_task_slots_add_refuses_a_closed_task_and_a_project_not_open(project):
    task = Task.objects.filter(project=project).first()
    task_close(actor=_owner(project), task=task)
    with pytest.raises(InvalidState) as info:
        task_slots_add(actor=_owner(project), task=task, count=1)
    assert info.value.code == "task_closed"
    Project.objects.filter(pk=project.pk).update(status=Project.Status.CANCELLED)
    with pytest.raises(InvalidState) as info:
        task_slots_add(actor=_owner(project), task=Task.objects.filter(project=project).last(), count=1)
    assert info.value.code == "project_not_open"
