import pytest
from django.db import connection

from coop.eventlog.checkpoints import checkpoint_sign
from coop.eventlog.sequencer import sequence_pending
from coop.eventlog.services import event_record
from tasks.appeals.services import appeal_draw, appeal_file
from tasks.services import assignment_approve, assignment_claim, assignment_reject, assignment_submit
from tests.factories import CoopFactory, member
from tests.factories.tasks import published_project  # noqa: F401 (re-exported for the appeal tests)

EXPLANATION = "The transcription skips the second half of the receipt entirely."
STATEMENT = "I transcribed every line; the second half of the receipt is blank in the image."
REASON = "The image really is blank below the total."

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


@pytest.fixture
def drawn(case):
    """`case` with the rejection appealed, sealed in a checkpoint and its jury drawn."""
    appeal = appeal_file(member=case["worker"], assignment=case["rejected"], statement=STATEMENT)
    seal()
    appeal_draw(appeal_id=appeal.pk)
    appeal.refresh_from_db()
    case["appeal"] = appeal
    case["jurors"] = [s.juror for s in appeal.seats.select_related("juror", "juror__profile")]
    return case
