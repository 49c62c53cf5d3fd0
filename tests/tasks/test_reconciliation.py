"""The marketplace's checks for the nightly reconciliation (tasks/reconciliation.py): each finds
what it is for, and nothing on a sound database."""

import pytest

from tasks.models import OpenSlotStripe, Project
from tasks.reconciliation import open_slot_counts_off, open_slots_in_cancelled_projects
from tests.factories import CoopFactory, open_project

pytestmark = pytest.mark.django_db


def test_open_slots_in_cancelled_projects_are_findings():
    project = open_project(CoopFactory(), tasks=2)
    assert open_slots_in_cancelled_projects() == []
    Project.objects.filter(pk=project.pk).update(status=Project.Status.CANCELLED)
    assert open_slots_in_cancelled_projects() == [
        {"check": "open_slot_in_cancelled_project", "project": project.pk, "slots": 2}]


def test_a_project_whose_stripes_do_not_add_up_to_its_open_slots_is_a_finding():
    project = open_project(CoopFactory(), tasks=3)
    other = open_project(CoopFactory(), tasks=2)
    assert open_slot_counts_off() == []
    first = OpenSlotStripe.objects.filter(project=project, count__gt=0).order_by("stripe")[0]
    OpenSlotStripe.objects.filter(pk=first.pk).update(count=5)
    assert open_slot_counts_off() == [{"check": "open_slot_count_off", "project": project.pk, "counted": 7,
                                       "open": 3}]
    OpenSlotStripe.objects.filter(project=other).delete()  # no stripes at all for open slots
    assert [row["project"] for row in open_slot_counts_off()] == sorted([project.pk, other.pk])
