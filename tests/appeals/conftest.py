import pytest
from django.db import connection

from coop.eventlog.checkpoints import checkpoint_sign
from coop.eventlog.sequencer import sequence_pending
from coop.eventlog.services import event_record
from tasks.services import assignment_approve, assignment_claim, assignment_reject, assignment_submit
from tests.factories import CoopFactory, member

EXPLANATION = "The transcription skips the second half of the receipt entirely."
STATEMENT = "I transcribed every line; the second half of the receipt is blank in the image."

# 10% fee, 80% of it to the juror fund: one approval of 12,000 feeds 960 into the fund,
# enough to pay four jurors 200 each (floor 1,200/h × 10 minutes).
PARAMS = {"platform_fee_bps": 1000, "juror_fund_bps": 8000}
REWARD = 12000


def participate(membership):
    """Record what `membership_admit` records, so the member counts as participating."""
    event_record(type="membership.admitted", coop=membership.coop, subject=membership,
                 payload={"membership": membership.pk})
    return membership.user


def seal():
    """Sequence the test's own events and sign a checkpoint over them (the draw needs one)."""
    sequence_pending(include_own=connection.vendor == "postgresql")
    return checkpoint_sign()


@pytest.fixture
def case():
    """A coop with 8 participating members; a published project of 4 tasks; one submission
    approved (which feeds the juror fund) and one rejected."""
    coop = CoopFactory(params=PARAMS)
    members = [participate(member(coop)) for _ in range(8)]
    project = published_project(coop, tasks=4, reward=REWARD, estimated_minutes=10, funds=4 * 13200 + 1000)
    owner = project.organisation.staff.first().user
    worker, other = members[0], members[1]
    done = []
    for user in (worker, other):
        a = assignment_claim(member=user, project=project)
        done.append(assignment_submit(member=user, assignment=a, answers={"label": "yes"}))
    assignment_approve(actor=owner, assignment=done[1])
    rejected = assignment_reject(actor=owner, assignment=done[0], reason="incomplete", explanation=EXPLANATION)
    return {"coop": coop, "members": members, "project": project, "owner": owner, "worker": worker,
            "rejected": rejected, "approved": done[1]}


# (temporary copy until the marketplace's factory lands on main)
from django.utils import timezone  # noqa: E402

from tests.factories.accounts import organisation as organisation_factory  # noqa: E402
from tests.factories.tasks import project_fields  # noqa: E402


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
