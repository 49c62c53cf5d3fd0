"""Factories for the marketplace. `open_project` builds an open project with its slots
directly (for claiming and work tests that do not need money); `published_project` goes
through the real services (ledger deposit, terms, publish)."""

import itertools
from datetime import timedelta

from django.utils import timezone

from accounts.models import Organisation, OrganisationStaff
from tasks.models import Project, Slot, Task
from tests.factories.federation import CoopFactory, UserFactory

__all__ = ["QUESTION_FORM", "organisation_with_staff", "open_project", "project_fields"]

_seq = itertools.count(1)

QUESTION_FORM = [
    {"name": "label", "type": "single_choice", "label": "Is there a cat?", "choices": ["yes", "no"],
     "show": {"image": "image_url"}},
    {"name": "note", "type": "text", "label": "Anything else?", "required": False, "max_length": 200},
]


def organisation_with_staff(name=None, role="owner"):
    """A requester organisation and one staff user (returns (organisation, user))."""
    n = next(_seq)
    organisation = Organisation.objects.create(name=name or f"Requester {n}", slug=f"requester-{n}",
                                               contact_email=f"ops{n}@requester.example")
    user = UserFactory()
    OrganisationStaff.objects.create(organisation=organisation, user=user, role=role)
    return organisation, user


def project_fields(**overrides):
    fields = {
        "title": "Cats in pictures", "category": "labelling", "instructions": "Look at the **picture**.",
        "question_form": QUESTION_FORM, "reward": 50, "estimated_minutes": 2, "assignments_per_task": 1,
        "time_limit_minutes": 30, "auto_approval_hours": 72, "data_flags": [],
    }
    fields.update(overrides)
    return fields


def open_project(coop=None, *, tasks=3, organisation=None, fair_share_cap=None, fair_share_minutes=60, **overrides):
    """An open project with `tasks` tasks and their slots, built directly (no escrow)."""
    coop = coop or CoopFactory()
    if organisation is None:
        organisation, staff = organisation_with_staff()
    else:
        staff = organisation.staff.first().user
    fields = project_fields(**overrides)
    now = timezone.now()
    project = Project.objects.create(
        coop=coop, organisation=organisation, created_by=staff, status=Project.Status.OPEN, published_at=now,
        batch_opened_at=now, rulebook_version=1, allocation_policy="fair_share" if fair_share_cap else "first_come",
        fair_share_cap=fair_share_cap, fair_share_until=now + timedelta(minutes=fair_share_minutes)
        if fair_share_cap else None, fee_coop=2, fee_federation=0, fee_juror=0, **fields)
    made = Task.objects.bulk_create(
        [Task(project=project, data={"image_url": f"https://img.example/{i}.jpg"}, line=i + 2) for i in range(tasks)])
    Slot.objects.bulk_create([Slot(task=t, project=project, number=n) for t in made
                              for n in range(project.assignments_per_task)])
    return project
