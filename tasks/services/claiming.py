"""Claiming a slot (DESIGN.md seam 4) and giving it back.

A claim is one short transaction: lock the claimant's membership row (claims by the same
member queue, so the open cap holds), check eligibility and the fair share under that lock,
then take the first free slot with `SELECT ... FOR UPDATE SKIP LOCKED` (claims by different
members never wait on each other). The unique constraint on (task, member) makes a second
claim of the same task impossible whatever happens above it."""

import math
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from coop.core.db import retry_transaction
from coop.eventlog.services import event_record
from coop.federation.locks import membership_for_update
from tasks import escrow
from tasks.eligibility import MemberContext, eligibility_with
from tasks.errors import FairShareReached, InvalidState, NoFreeSlot, NotEligible, OpenCapReached
from tasks.locks import free_slot_for_update, project_for_update, slot_for_update
from tasks.models import Assignment, Project, Slot, Task

ENDED = (Assignment.Status.RETURNED, Assignment.Status.EXPIRED)


def fair_share_cap(*, slots: int, eligible_members):
    """ceil(slots / eligible members), at least 1."""
    return max(1, math.ceil(slots / max(1, eligible_members)))


def fair_share_held(*, member: User, project):
    """Slots of the current batch the member holds or has worked (returned/expired excluded)."""
    qs = Assignment.objects.filter(project=project, member=member).exclude(status__in=ENDED)
    if project.batch_opened_at:
        qs = qs.filter(claimed_at__gte=project.batch_opened_at)
    return qs.count()


@retry_transaction
@transaction.atomic
def assignment_claim(*, member: User, project, now: datetime | None = None):
    """Give `member` (a User) a free slot of `project`; return the new Assignment."""
    now = now or timezone.now()
    # claims by one member queue on their membership row, so a double tap cannot beat the open-assignment cap
    membership = membership_for_update(user=member, coop_id=project.coop_id)
    if membership is None:
        raise NotEligible("not_a_member", None, {"reasons": [{"code": "not_a_member"}]})
    project = Project.objects.select_related("coop", "organisation").get(pk=project.pk)
    if project.status != Project.Status.OPEN:
        raise InvalidState("project_not_open", _("This project is not open for work now."))
    ctx = MemberContext(member, at=now)
    reasons = eligibility_with(ctx=ctx, project=project)
    if reasons:
        if any(r["code"] == "open_assignments_cap" for r in reasons) and len(reasons) == 1:
            raise OpenCapReached(extra={"reasons": reasons})
        raise NotEligible(message=reasons[0]["message"], extra={"reasons": reasons})
    if project.fair_share_until and now < project.fair_share_until and project.fair_share_cap:
        held = fair_share_held(member=member, project=project)
        if held >= project.fair_share_cap:
            raise FairShareReached(extra={"cap": project.fair_share_cap, "until": project.fair_share_until.isoformat()})
    worked = Assignment.objects.filter(project=project, member=member).values("task_id")
    slot = free_slot_for_update(project_id=project.pk, exclude_tasks=worked)
    if slot is None:
        raise NoFreeSlot()
    slot.status = Slot.Status.TAKEN
    slot.save(update_fields=["status"])
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(
                slot=slot, task_id=slot.task_id, project=project, member=member, status=Assignment.Status.CLAIMED,
                claimed_at=now, deadline_at=now + timedelta(minutes=project.time_limit_minutes),
                rulebook_version=ctx.rulebook(project.coop_id).version,
            )
    except IntegrityError:
        raise InvalidState("already_claimed", _("You already worked on this task."))
    event_record(type="assignment.claimed", coop=project.coop_id, actor=member, subject=assignment,
                 payload={"assignment": assignment.pk, "project": project.pk, "organisation": project.organisation_id,
                          "membership": membership.pk})
    return assignment


def slot_reopen(*, slot, project, assignment, actor: User | None = None):
    """A returned or expired assignment gives its slot back: claimable again, or refunded at
    once when the project was cancelled meanwhile. Caller holds the assignment's lock.

    The project's lock decides, in the global order (assignment, project, slot): a cancel holds
    it while it refunds the open slots, so either the cancel ran first and this sees the project
    cancelled and refunds the slot itself, or this runs first and the cancel, which waits for
    the lock, then finds the slot open and refunds it with the others. Read without the lock, a
    cancel in between left the slot open in a cancelled project, its money stranded in escrow
    (issue 24). A task closed by its requester (`task_close`, under the same lock) likewise."""
    project = project_for_update(project.pk)
    slot = slot_for_update(slot.pk)
    if project.status == Project.Status.CANCELLED or Task.objects.filter(pk=slot.task_id,
                                                                          closed_at__isnull=False).exists():
        slot.status = Slot.Status.CANCELLED
        slot.save(update_fields=["status"])
        escrow.refund_slot(project=project, slot=slot, actor=actor)
    else:
        slot.status = Slot.Status.OPEN
        slot.save(update_fields=["status"])
