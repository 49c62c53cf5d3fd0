from datetime import timedelta

import pytest

from coop.core.errors import DomainError, NotFound
from ledger.selectors import wallet_balance
from tasks.appeals.models import ProjectBrake
from tasks.appeals.services import brake_lift, flags_resolve, frozen_confirm, frozen_void, project_flag
from tasks.models import Assignment, Project
from tasks.services import assignment_claim, assignment_reject, assignment_submit
from tests.appeals.conftest import EXPLANATION, published_project
from tests.factories import CoopFactory, member, steward

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch():
    """A batch of 20 tasks, 8 submitted by 8 members."""
    coop = CoopFactory()
    project = published_project(coop, tasks=20, reward=1000, estimated_minutes=10)
    owner = project.organisation.staff.first().user
    subs = []
    for _ in range(8):
        user = member(coop).user
        a = assignment_claim(member=user, project=project)
        subs.append(assignment_submit(member=user, assignment=a, answers={"label": "no"}))
    return {"coop": coop, "project": project, "owner": owner, "subs": subs, "steward": steward(coop).user}


def reject(batch, assignment):
    return assignment_reject(actor=batch["owner"], assignment=assignment, reason="incomplete", explanation=EXPLANATION)


def test_brake_freezes_rejections_past_the_batch_share(batch):
    # 20 slots, brake at 20 %: the 4th rejection is 20 % (allowed), the 5th is 25 % (frozen)
    results = [reject(batch, a).status for a in batch["subs"][:6]]
    assert results == ["rejected"] * 4 + ["frozen", "frozen"]
    brake = ProjectBrake.objects.get(project=batch["project"])
    assert brake.reason == "batch_pct" and brake.figures["rejections"] == 5
    frozen = Assignment.objects.filter(status="frozen")
    assert all(a.appeal_deadline is None for a in frozen)
    # the requester was told why
    from accounts.models import Notice

    assert Notice.objects.filter(user=batch["owner"], kind="brake").exists()


def test_brake_per_member_per_day(batch):
    coop, project, owner = batch["coop"], batch["project"], batch["owner"]
    worker = member(coop).user
    projects = [published_project(coop, tasks=2, reward=1000, estimated_minutes=10, organisation=project.organisation)
                for _ in range(6)]
    statuses = []
    for target in projects:
        a = assignment_claim(member=worker, project=target)
        a = assignment_submit(member=worker, assignment=a, answers={"label": "no"})
        statuses.append(assignment_reject(actor=owner, assignment=a, reason="incomplete",
                                          explanation=EXPLANATION).status)
    assert statuses == ["rejected"] * 5 + ["frozen"]
    assert ProjectBrake.objects.get(project=projects[-1]).reason == "member_day"


def test_steward_confirms_or_voids_frozen_rejections_and_lifts_the_brake(batch):
    for a in batch["subs"][:6]:
        reject(batch, a)
    first, second = Assignment.objects.filter(status="frozen").order_by("pk")
    with pytest.raises(NotFound):  # a steward of another coop
        frozen_void(steward=steward().user, assignment=first)
    before = wallet_balance(user=second.member)
    confirmed = frozen_confirm(steward=batch["steward"], assignment=first)
    assert confirmed.status == "rejected" and confirmed.appeal_deadline is not None
    voided = frozen_void(steward=batch["steward"], assignment=second)
    assert voided.status == "voided" and wallet_balance(user=second.member) == before + 1000
    with pytest.raises(DomainError):
        frozen_void(steward=batch["steward"], assignment=second)
    assert wallet_balance(user=second.member) == before + 1000
    brake_lift(steward=batch["steward"], project=batch["project"])
    assert reject(batch, batch["subs"][6]).status == "frozen"  # crosses the threshold again
    assert ProjectBrake.objects.get(project=batch["project"]).is_engaged


def test_flags_pause_the_project_at_the_threshold(batch):
    project = batch["project"]
    flaggers = [member(batch["coop"]).user for _ in range(5)]
    for user in flaggers[:4]:
        project_flag(member=user, project=project, kind="pay_too_low")
    assert Project.objects.get(pk=project.pk).status == "open"
    with pytest.raises(DomainError):
        project_flag(member=flaggers[0], project=project, kind="pay_too_low")
    with pytest.raises(DomainError):
        project_flag(member=flaggers[4], project=project, kind="boring")
    with pytest.raises(NotFound):  # not a member of this coop
        project_flag(member=member().user, project=project, kind="other")
    project_flag(member=flaggers[4], project=project, kind="offensive", comment="Slurs in the images.")
    assert Project.objects.get(pk=project.pk).status == "paused"
    assert flags_resolve(steward=batch["steward"], project=project, resume=True) == 5
    assert Project.objects.get(pk=project.pk).status == "open"


def test_frozen_rejections_do_not_count_and_are_not_finalised(batch):
    from tasks import jobs

    for a in batch["subs"][:5]:
        reject(batch, a)
    frozen = Assignment.objects.get(status="frozen")
    later = frozen.reviewed_at + timedelta(days=30)
    jobs.finalise_rejections_due(now=later)
    assert Assignment.objects.get(pk=frozen.pk).status == "frozen"


def test_lifting_the_brake_and_resolving_flags_resolve_the_stewards_notices(batch):
    """Handled items resolve their notices (issue 16): the brake's and the flags' notices to
    stewards are marked handled when a steward lifts the brake or resolves the flags."""
    from accounts.models import Notice

    for a in batch["subs"][:5]:
        reject(batch, a)
    project = batch["project"]
    for user in [member(batch["coop"]).user for _ in range(5)]:
        project_flag(member=user, project=project, kind="pay_too_low")
    brake_notices = Notice.objects.filter(user=batch["steward"], kind="brake")
    flag_notices = Notice.objects.filter(user=batch["steward"], kind="flags")
    assert brake_notices.count() == 1 and flag_notices.count() == 1
    assert not Notice.objects.filter(resolved_at__isnull=False).exists()
    brake_lift(steward=batch["steward"], project=project)
    assert brake_notices.get().resolved_at is not None and flag_notices.get().resolved_at is None
    flags_resolve(steward=batch["steward"], project=project, resume=True)
    assert flag_notices.get().resolved_at is not None
    # the requester's notices are information, not a task: they stay as they were
    assert not Notice.objects.filter(user=batch["owner"], resolved_at__isnull=False).exists()
