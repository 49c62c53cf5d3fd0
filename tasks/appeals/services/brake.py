"""The mass-rejection brake (issue 9).

When a requester rejects more than `brake_rejection_pct` of a batch, or more than
`brake_rejections_per_member_day` assignments of one member within 24 hours, the brake
engages on the project: that rejection and every further one is `frozen`, held for a
steward's review; frozen rejections don't count against members. A steward confirms one
(it becomes an ordinary rejection, appealable from then) or voids it (the member is paid),
and lifts the brake."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from accounts.models import User
from accounts.services import notices_resolve, notify
from coop.core.db import retry_transaction
from coop.core.errors import NotFound
from coop.eventlog.services import event_record
from coop.federation.access import is_steward
from coop.federation.selectors import rulebook_in_force
from tasks import escrow
from tasks.appeals.locks import brake_for_update
from tasks.appeals.models import ProjectBrake
from tasks.appeals.selectors import organisation_staff_users
from tasks.appeals.services.common import _stewards
from tasks.errors import InvalidState
from tasks.locks import assignment_for_update, project_for_update
from tasks.models import Assignment, Project, Slot

# The batch share counts only from this many rejections on: one rejection in a three-task
# project is not a mass rejection (docs/appeals.md).
BATCH_MIN_REJECTIONS = 5

REJECTION_STATUSES = (
    Assignment.Status.REJECTED, Assignment.Status.REJECTION_FINAL, Assignment.Status.APPEALED,
    Assignment.Status.UPHELD, Assignment.Status.OVERTURNED, Assignment.Status.FROZEN,
)


def brake_check(*, assignment: Assignment, now: datetime | None = None) -> bool:
    """Registered with `tasks.services.review` (AppealsConfig.ready()) and called by
    `assignment_reject` (under the assignment's lock) before it rejects. Returns
    True when this rejection must be frozen, engaging the brake if it crosses a threshold.

    Takes the project's lock (after the assignment's: the global order of docs/ledger.md), so
    the rejections of one project are counted one after the other and only one of them creates
    the brake's row. Unlocked, two rejections racing each counted the other's as not yet made
    (so racing them slipped past the threshold), and two engaging the brake at once both
    inserted its row: IntegrityError on `appeals_projectbrake_project_id_key`, a 500 (issue 24)."""
    now = now or timezone.now()
    project = project_for_update(assignment.project_id)
    brake = ProjectBrake.objects.filter(project=project).first()
    if brake is not None and brake.is_engaged:
        return True
    rulebook = rulebook_in_force(coop=project.coop, at=now)
    batch = Slot.objects.filter(project=project).exclude(status=Slot.Status.CANCELLED).count()
    rejected = Assignment.objects.filter(project=project, status__in=REJECTION_STATUSES).count() + 1
    member_day = Assignment.objects.filter(
        project__organisation_id=project.organisation_id, member_id=assignment.member_id,
        status__in=REJECTION_STATUSES, reviewed_at__gte=now - timedelta(hours=24),
    ).count() + 1
    reason = None
    if rejected >= BATCH_MIN_REJECTIONS and rejected * 100 > rulebook["brake_rejection_pct"] * max(batch, 1):
        reason = "batch_pct"
    elif member_day > rulebook["brake_rejections_per_member_day"]:
        reason = "member_day"
    if reason is None:
        return False
    figures = {"rejections": rejected, "batch": batch, "member_day": member_day,
               "pct_limit": rulebook["brake_rejection_pct"],
               "member_day_limit": rulebook["brake_rejections_per_member_day"], "rulebook_version": rulebook.version}
    if brake is None:
        ProjectBrake.objects.create(project=project, reason=reason, figures=figures, engaged_at=now)
    else:
        ProjectBrake.objects.filter(pk=brake.pk).update(reason=reason, figures=figures, engaged_at=now,
                                                        lifted_at=None, lifted_by=None)
    event_record(type="project.brake_engaged", coop=project.coop_id, subject=project,
                 payload={"project": project.pk, "organisation": project.organisation_id, "reason": reason,
                          **{k: v for k, v in figures.items()}})
    def text():  # built in each recipient's language
        why = (_("you rejected more than %(p)s%% of this batch") % {"p": rulebook["brake_rejection_pct"]}
               if reason == "batch_pct" else
               ngettext("you rejected more than %(n)s assignment of one member within a day",
                        "you rejected more than %(n)s assignments of one member within a day",
                        rulebook["brake_rejections_per_member_day"])
               % {"n": rulebook["brake_rejections_per_member_day"]})
        return _("The mass-rejection brake engaged on “%(p)s” because %(why)s. Further rejections are held "
                 "for the coop's stewards to review.") % {"p": project.title, "why": why}

    for user in organisation_staff_users(project.organisation_id):
        notify(user=user, kind="brake", link=f"/requester/projects/{project.pk}/", text=text)
    for user in _stewards(project.coop_id):
        notify(user=user, kind="brake", link="/appeals/steward/", subject=f"brake:{project.pk}",
               message=gettext_noop("The mass-rejection brake engaged on “%(p)s”: rejections wait for your review."),
               params={"p": project.title})
    return True


def _steward_check(user, coop_id):
    if not is_steward(user, coop_id=coop_id):
        raise NotFound()


def _frozen(steward, assignment_id):
    try:
        assignment = assignment_for_update(getattr(assignment_id, "pk", assignment_id))
    except Assignment.DoesNotExist:
        raise NotFound()
    _steward_check(steward, assignment.project.coop_id)
    if assignment.status != Assignment.Status.FROZEN:
        raise InvalidState("not_frozen", _("Only a frozen rejection can be reviewed."))
    return assignment


@retry_transaction
@transaction.atomic
def frozen_confirm(*, steward: User, assignment: Assignment, now: datetime | None = None) -> Assignment:
    """The steward finds the rejection fair: it becomes an ordinary rejection, and the
    member's appeal window starts now."""
    now = now or timezone.now()
    assignment = _frozen(steward, assignment)
    rulebook = rulebook_in_force(coop=assignment.project.coop, at=now)
    assignment.status = Assignment.Status.REJECTED
    assignment.appeal_deadline = now + timedelta(days=rulebook["appeal_window_days"])
    assignment.save(update_fields=["status", "appeal_deadline"])
    event_record(type="assignment.frozen_confirmed", coop=assignment.project.coop_id, actor=steward, subject=assignment,
                 payload={"assignment": assignment.pk, "project": assignment.project_id,
                          "organisation": assignment.project.organisation_id})
    notify(user=assignment.member, kind="assignment_rejected", link=f"/work/assignments/{assignment.pk}/",
           message=gettext_noop("A steward reviewed the held rejection of your work and confirmed it. "
                          "You can appeal until %(d)s."), params={"d": assignment.appeal_deadline})
    return assignment


@retry_transaction
@transaction.atomic
def frozen_void(*, steward: User, assignment: Assignment, now: datetime | None = None) -> Assignment:
    """The steward voids the rejection: the member is paid from escrow."""
    now = now or timezone.now()
    assignment = _frozen(steward, assignment)
    project = project_for_update(assignment.project_id)
    escrow.release(assignment=assignment, project=project, actor=steward)
    assignment.status, assignment.finalised_at = Assignment.Status.VOIDED, now
    assignment.save(update_fields=["status", "finalised_at"])
    event_record(type="assignment.voided", coop=project.coop_id, actor=steward, subject=assignment,
                 payload={"assignment": assignment.pk, "project": project.pk, "organisation": project.organisation_id})
    notify(user=assignment.member, kind="assignment_approved", link=f"/work/assignments/{assignment.pk}/",
           message=gettext_noop("A steward voided the rejection of your work on “%(p)s”: you were paid."),
           params={"p": project.title})
    return assignment


@retry_transaction
@transaction.atomic
def brake_lift(*, steward: User, project: Project | int, now: datetime | None = None) -> ProjectBrake:
    brake = brake_for_update(getattr(project, "pk", project))
    if brake is None:
        raise NotFound()
    _steward_check(steward, brake.project.coop_id)
    if not brake.is_engaged:
        raise InvalidState("brake_not_engaged", _("The brake is not engaged on this project."))
    brake.lifted_at, brake.lifted_by = now or timezone.now(), steward
    brake.save(update_fields=["lifted_at", "lifted_by"])
    event_record(type="project.brake_lifted", coop=brake.project.coop_id, actor=steward, subject=brake.project,
                 payload={"project": brake.project_id, "organisation": brake.project.organisation_id})
    notices_resolve(subject=f"brake:{brake.project_id}")
    return brake
