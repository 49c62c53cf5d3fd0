"""Reviewing submitted work: approve (one or many), return for revision, reject with a
published reason, bonus; and the automatic steps (auto-approval, final rejections)."""

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from accounts.services import notify
from coop.core.db import retry_transaction
from coop.core.errors import DomainError
from coop.eventlog.services import event_record
from coop.federation.labels import reason_text
from coop.federation.selectors import rulebook_in_force
from tasks import escrow
from tasks.access import staff_check
from tasks.errors import InvalidState, NotYours, RejectionReasonRequired
from tasks.locks import assignment_for_update, assignments_for_update, project_for_update
from tasks.models import Assignment, Bonus, Project

# The mass-rejection brake belongs to appeals, a layer above the marketplace: AppealsConfig.ready()
# registers `tasks.appeals.services.brake.brake_check` here, so this module imports nothing of appeals.
_BRAKES = []


def register_rejection_brake(check: Callable[..., bool]) -> None:
    """`check(*, assignment, now) -> bool`: True when this rejection must be frozen. Called by
    `assignment_reject` under the assignment's lock, before it rejects."""
    _BRAKES[:] = [check]


def _rejection_brake(*, assignment, now):
    return any(check(assignment=assignment, now=now) for check in _BRAKES)

MIN_EXPLANATION = 20
MIN_COMMENT = 10
MAX_BULK = 1000


def _payload(assignment, **extra):
    return {"assignment": assignment.pk, "project": assignment.project_id,
            "organisation": assignment.project.organisation_id, **extra}


def _reviewable(actor, assignment_id):
    try:
        assignment = assignment_for_update(getattr(assignment_id, "pk", assignment_id))
    except Assignment.DoesNotExist:
        raise NotYours()
    staff_check(user=actor, organisation=assignment.project.organisation)
    return assignment


def _approve_locked(assignment, *, actor, now, auto):
    """Pay and approve an assignment whose row lock the caller holds."""
    project = assignment.project
    escrow.release(assignment=assignment, project=project, actor=actor)
    assignment.status = Assignment.Status.APPROVED
    assignment.reviewed_at, assignment.reviewed_by, assignment.auto_approved = now, actor, auto
    assignment.save(update_fields=["status", "reviewed_at", "reviewed_by", "auto_approved"])
    event_record(type="assignment.approved", coop=project.coop_id, actor=actor, subject=assignment,
                 payload=_payload(assignment, reward=project.reward, auto=int(auto)))
    notify(user=assignment.member, kind="assignment_approved",
           message=gettext_noop("Your work on “%(p)s” was approved: you were paid."), params={"p": project.title},
           link="/work/mine/")
    return assignment


@retry_transaction
@transaction.atomic
def assignment_approve(*, actor: User, assignment: Assignment, now: datetime | None = None) -> Assignment:
    """Approve one submitted assignment: the reward goes to the member and the fees to the coop,
    federation and juror fund, exactly once."""
    assignment = _reviewable(actor, assignment)
    if assignment.status != Assignment.Status.SUBMITTED:
        raise InvalidState("not_submitted", _("Only submitted work can be approved (this is %(s)s).")
                           % {"s": assignment.get_status_display()})
    return _approve_locked(assignment, actor=actor, now=now or timezone.now(), auto=False)


@retry_transaction
@transaction.atomic
def assignments_approve(*, actor: User, project: Project, ids: Iterable[int],
                        now: datetime | None = None) -> list[Assignment]:
    """Approve many submitted assignments of one project at once; all or nothing."""
    ids = sorted({int(i) for i in ids})
    if not ids or len(ids) > MAX_BULK:
        raise DomainError("bad_selection", _("Choose between 1 and %(n)s submissions.") % {"n": MAX_BULK})
    staff_check(user=actor, organisation=project.organisation)
    now = now or timezone.now()
    locked = assignments_for_update(ids)
    if len(locked) != len(ids) or any(a.project_id != project.pk for a in locked):
        raise NotYours()
    bad = [a.pk for a in locked if a.status != Assignment.Status.SUBMITTED]
    if bad:
        raise InvalidState("not_submitted", _("Only submitted work can be approved."), {"assignments": bad})
    # lock order: the assignments (pk order, above), then every balance the releases change
    escrow.releases_lock(assignments=locked, project=project)
    for assignment in locked:
        assignment.project = project
        _approve_locked(assignment, actor=actor, now=now, auto=False)
    return locked


@retry_transaction
@transaction.atomic
def assignment_request_revision(*, actor: User, assignment: Assignment, comment: str,
                                now: datetime | None = None) -> Assignment:
    """Send submitted work back to the member with a comment; they may edit and resubmit
    within the project's time limit."""
    comment = (comment or "").strip()
    if len(comment) < MIN_COMMENT:
        raise DomainError("comment_required", _("Write what should change (at least %(n)s characters).")
                          % {"n": MIN_COMMENT})
    now = now or timezone.now()
    assignment = _reviewable(actor, assignment)
    if assignment.status != Assignment.Status.SUBMITTED:
        raise InvalidState("not_submitted", _("Only submitted work can be returned for revision."))
    project = assignment.project
    assignment.status = Assignment.Status.REVISION_REQUESTED
    assignment.revision_comment = comment
    assignment.reviewed_at, assignment.reviewed_by = now, actor
    assignment.deadline_at = now + timedelta(minutes=project.time_limit_minutes)
    assignment.draft = dict(assignment.answers or {})
    assignment.save()
    event_record(type="assignment.revision_requested", coop=project.coop_id, actor=actor, subject=assignment,
                 payload=_payload(assignment))
    notify(user=assignment.member, kind="assignment_revision",
           message=gettext_noop("The requester of “%(p)s” asks you to revise your work: %(c)s"),
           params={"p": project.title, "c": comment},
           link=f"/work/assignments/{assignment.pk}/")
    return assignment


@retry_transaction
@transaction.atomic
def assignment_reject(*, actor: User, assignment: Assignment, reason: str, explanation: str,
                      now: datetime | None = None) -> Assignment:
    """Reject with a reason from the coop's published list and a written explanation. The money
    stays in escrow until the appeal window closes."""
    explanation = (explanation or "").strip()
    now = now or timezone.now()
    assignment = _reviewable(actor, assignment)
    project = assignment.project
    rulebook = rulebook_in_force(coop=project.coop, at=now)
    reasons = rulebook["rejection_reasons"]
    if reason not in reasons:
        raise RejectionReasonRequired("unknown_rejection_reason",
                                      _("Choose one of the coop's published rejection reasons."),
                                      {"reasons": sorted(reasons)})
    if len(explanation) < MIN_EXPLANATION or "\x00" in explanation:
        raise RejectionReasonRequired("explanation_required",
                                      _("Explain the rejection to the member (at least %(n)s characters).")
                                      % {"n": MIN_EXPLANATION}, {"min_length": MIN_EXPLANATION})
    if assignment.status != Assignment.Status.SUBMITTED:
        raise InvalidState("not_submitted", _("Only submitted work can be rejected."))
    assignment.rejection_reason, assignment.rejection_explanation = reason, explanation
    assignment.reviewed_at, assignment.reviewed_by = now, actor
    assignment.rulebook_version = rulebook.version
    if _rejection_brake(assignment=assignment, now=now):
        # the mass-rejection brake: held for a steward's review, not counted against the member
        assignment.status, assignment.appeal_deadline = Assignment.Status.FROZEN, None
        assignment.save()
        event_record(type="assignment.frozen", coop=project.coop_id, actor=actor, subject=assignment,
                     payload=_payload(assignment, reason=reason, rulebook_version=rulebook.version))
        notify(user=assignment.member, kind="assignment_rejected", link=f"/work/assignments/{assignment.pk}/",
               message=gettext_noop("The requester of “%(p)s” rejected your work, but the coop's mass-rejection brake "
                              "holds it for a steward's review. It does not count against you."),
               params={"p": project.title})
        return assignment
    assignment.status = Assignment.Status.REJECTED
    assignment.appeal_deadline = now + timedelta(days=rulebook["appeal_window_days"])
    assignment.save()
    event_record(type="assignment.rejected", coop=project.coop_id, actor=actor, subject=assignment,
                 payload=_payload(assignment, reason=reason, rulebook_version=rulebook.version))
    notify(user=assignment.member, kind="assignment_rejected",
           message=gettext_noop("Your work on “%(p)s” was rejected (%(r)s). You can read why and appeal until %(d)s."),
           params={"p": project.title, "r": reason_text(reasons, reason), "d": assignment.appeal_deadline},
           link=f"/work/assignments/{assignment.pk}/")
    return assignment


@retry_transaction
@transaction.atomic
def assignment_rejection_reverse(*, actor: User, assignment: Assignment, now: datetime | None = None) -> Assignment:
    """The requester takes back its own rejection while the money is still held (rejected in
    the appeal window, or frozen by the brake): the member is paid as for an approval, and the
    rejection no longer counts anywhere. Appealed work goes on to its jury; a final rejection
    was refunded already (a bonus is the way to pay it now)."""
    now = now or timezone.now()
    assignment = _reviewable(actor, assignment)
    if assignment.status not in (Assignment.Status.REJECTED, Assignment.Status.FROZEN):
        raise InvalidState("not_rejected", _("Only a rejection whose money is still held can be reversed (this is "
                                             "%(s)s).") % {"s": assignment.get_status_display()})
    project = assignment.project
    escrow.release(assignment=assignment, project=project, actor=actor)
    previous = assignment.status
    assignment.status = Assignment.Status.APPROVED
    assignment.reviewed_at, assignment.reviewed_by, assignment.auto_approved = now, actor, False
    assignment.appeal_deadline = None
    assignment.save(update_fields=["status", "reviewed_at", "reviewed_by", "auto_approved", "appeal_deadline"])
    event_record(type="assignment.rejection_reversed", coop=project.coop_id, actor=actor, subject=assignment,
                 payload=_payload(assignment, reward=project.reward, previous=previous))
    notify(user=assignment.member, kind="assignment_approved",
           message=gettext_noop("The requester of “%(p)s” took back its rejection of your work: you were paid."),
           params={"p": project.title}, link="/work/mine/")
    return assignment


@retry_transaction
@transaction.atomic
def assignment_auto_approve(*, assignment_id: int, now: datetime | None = None) -> bool:
    """Approve work left unreviewed past the project's delay. Safe to run twice: anything no
    longer submitted, or not yet due, is left alone. Returns True if it approved."""
    now = now or timezone.now()
    assignment = assignment_for_update(assignment_id)
    if assignment.status != Assignment.Status.SUBMITTED:
        return False
    if assignment.submitted_at + timedelta(hours=assignment.project.auto_approval_hours) > now:
        return False
    _approve_locked(assignment, actor=None, now=now, auto=True)
    return True


@retry_transaction
@transaction.atomic
def assignment_rejection_finalise(*, assignment_id: int, now: datetime | None = None) -> bool:
    """The appeal window closed without an appeal: the rejection becomes final and the escrow
    for it goes back to the requester. Appealed and frozen rejections are left alone."""
    now = now or timezone.now()
    assignment = assignment_for_update(assignment_id)
    if assignment.status != Assignment.Status.REJECTED or assignment.appeal_deadline > now:
        return False
    project = project_for_update(assignment.project_id)
    escrow.refund_assignment(project=project, assignment=assignment)
    assignment.status = Assignment.Status.REJECTION_FINAL
    assignment.finalised_at = now
    assignment.save(update_fields=["status", "finalised_at"])
    event_record(type="assignment.rejection_final", coop=project.coop_id, subject=assignment,
                 payload={"assignment": assignment.pk, "project": project.pk, "organisation": project.organisation_id,
                          "reason": assignment.rejection_reason})
    return True


@retry_transaction
@transaction.atomic
def assignment_bonus(*, actor: User, assignment: Assignment, amount: int, reason: str) -> Bonus:
    """Pay the member a bonus from the requester's balance, with a written reason."""
    reason = (reason or "").strip()
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise DomainError("invalid_amount", _("A bonus is a positive amount."))
    if len(reason) < MIN_COMMENT:
        raise DomainError("reason_required", _("Say why (at least %(n)s characters).") % {"n": MIN_COMMENT})
    assignment = _reviewable(actor, assignment)
    if assignment.status in (Assignment.Status.CLAIMED, Assignment.Status.RETURNED, Assignment.Status.EXPIRED):
        raise InvalidState("nothing_submitted", _("A bonus rewards submitted work."))
    project = assignment.project
    bonus = Bonus.objects.create(organisation=project.organisation, assignment=assignment, amount=amount,
                                 reason=reason, created_by=actor)
    escrow.bonus(organisation=project.organisation, user=assignment.member, amount=amount, key=f"bonus:{bonus.pk}",
                 actor=actor, memo=f"bonus for assignment {assignment.pk}")
    event_record(type="assignment.bonus_paid", coop=project.coop_id, actor=actor, subject=assignment,
                 payload=_payload(assignment, bonus=bonus.pk, amount=amount))
    notify(user=assignment.member, kind="bonus",
           message=gettext_noop("You received a bonus for your work on “%(p)s”: %(r)s"),
           params={"p": project.title, "r": reason},
           link="/work/mine/")
    return bonus
