"""Factories for the marketplace. `open_project` builds an open project with its slots
directly (for claiming and work tests that do not need money); `published_project` goes
through the real services (ledger deposit, terms, publish)."""

from datetime import timedelta

from django.utils import timezone

from tasks.models import Project, Slot, Task
from tasks.services.open_slots import open_slots_opened
from tests.factories.accounts import organisation as organisation_factory
from tests.factories.federation import CoopFactory

__all__ = ["COUNTRY_RULE", "LEGAL", "QUESTION_FORM", "open_project", "project_fields", "project_in_review",
           "published_project"]

QUESTION_FORM = [
    {"name": "label", "type": "single_choice", "label": "Is there a cat?", "choices": ["yes", "no"],
     "show": {"image": "image_url"}},
    {"name": "note", "type": "text", "label": "Anything else?", "required": False, "max_length": 200},
]
# issue 23: a qualification that limits a project to some countries, and the legal reason it must cite
COUNTRY_RULE = {"metric": "country", "op": "in", "value": ["MG"]}
LEGAL = {"legal_reason": "data_residency", "legal_reason_text": "Malagasy law 2014-038 keeps this data in Madagascar."}


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
    organisation = organisation or organisation_factory()
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
    slots = Slot.objects.bulk_create([Slot(task=t, project=project, number=n) for t in made
                                      for n in range(project.assignments_per_task)])
    open_slots_opened(project_id=project.pk, slot_ids=[slot.pk for slot in slots])
    return project


def published_project(coop=None, *, tasks=3, funds=None, organisation=None, **overrides):
    """A project published through the real services: a funded, terms-accepting requester,
    tasks added, fees fixed, escrow held. Returns the project (its `organisation.owner` is staff)."""
    from ledger.services import deposit_record
    from tasks.services import project_create, project_publish, tasks_add
    from tests.factories.federation import operator

    coop = coop or CoopFactory()
    organisation = organisation or organisation_factory()
    owner = organisation.staff.first().user
    fields = project_fields(**overrides)
    cost = fields["reward"] * 105 // 100 + 1
    deposit_record(operator=operator(), organisation=organisation,
                   amount=funds if funds is not None else cost * tasks * fields["assignments_per_task"] + 1000,
                   reference=f"wire-{organisation.pk}-{timezone.now().timestamp()}")
    project = project_create(actor=owner, organisation=organisation, coop=coop, **fields)
    tasks_add(actor=owner, project=project, rows=[{"image_url": f"https://img.example/{i}.jpg"} for i in range(tasks)])
    project = project_publish(actor=owner, project=project)
    project.organisation = organisation  # keeps `organisation.owner`
    return project


def project_in_review(coop=None, *, organisation=None, qualification="Lives in Madagascar", **overrides):
    """A country-restricted project published through the real services (issue 23): one task, a
    required qualification with a `country` clause (named `qualification`, made by a steward of
    the coop), a legal reason; it waits in `review` with its cost in escrow and no slot."""
    from ledger.services import deposit_record
    from tasks.qualifications.services import project_requirements_set
    from tasks.services import project_create, project_publish, tasks_add
    from tests.factories.federation import operator
    from tests.factories.qualifications import computed_qualification

    coop = coop or CoopFactory()
    organisation = organisation or organisation_factory()
    owner = organisation.staff.first().user
    deposit_record(operator=operator(), organisation=organisation, amount=100_000,
                   reference=f"review-{organisation.pk}-{timezone.now().timestamp()}")
    project = project_create(actor=owner, organisation=organisation, coop=coop,
                             **project_fields(**{**LEGAL, **overrides}))
    tasks_add(actor=owner, project=project, rows=[{"image_url": "https://img.example/1.jpg"}])
    project_requirements_set(actor=owner, project=project,
                             qualifications=[computed_qualification(coop, COUNTRY_RULE, name=qualification)])
    project = project_publish(actor=owner, project=project)
    project.organisation = organisation  # keeps `organisation.owner`
    return project
