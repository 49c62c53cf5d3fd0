"""Filing an appeal (a rejection, a qualification revocation, a sanction), within the coop's
window, and the requester's written answer."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Organisation, User
from accounts.services import notify
from coop.core.db import retry_transaction
from coop.core.errors import DomainError, NotFound
from coop.eventlog.services import event_record
from coop.federation.locks import membership_for_update
from coop.federation.models import Membership
from coop.federation.selectors import rulebook_in_force
from tasks.access import staff_check
from tasks.appeals import locks
from tasks.appeals.errors import (
    AlreadyAppealed,
    AppealWindowClosed,
    NotAppealable,
    StatementRequired,
)
from tasks.appeals.models import Appeal, JurySeat
from tasks.appeals.selectors import organisation_staff_users
from tasks.appeals.services.common import MIN_STATEMENT, _after_commit_draw, _stewards, _terms, _text
from tasks.locks import assignment_for_update
from tasks.models import Assignment
from tasks.qualifications.locks import revocation_for_update
from tasks.qualifications.models import QualificationRevocation

# --- filing --------------------------------------------------------------------------------------------------


@retry_transaction
@transaction.atomic
def appeal_file(*, member: User, statement: str, assignment: Assignment | int | None = None,
                revocation: QualificationRevocation | int | None = None, sanction: Membership | int | None = None,
                now: datetime | None = None) -> Appeal:
    """The member appeals a rejection, a qualification revocation or a sanction, within the
    coop's `appeal_window_days`. A rejected assignment's money stays in escrow and the
    rejection does not count against them until the jury decides."""
    statement = _text(statement, MIN_STATEMENT, StatementRequired())
    now = now or timezone.now()
    if sum(x is not None for x in (assignment, revocation, sanction)) != 1:
        raise NotAppealable()
    if assignment is not None:
        return _file_rejection(member, statement, assignment, now)
    if revocation is not None:
        return _file_revocation(member, statement, revocation, now)
    return _file_sanction(member, statement, sanction, now)


def _create(*, kind, coop, member, statement, now, subject_payload, organisation_id=None, **links):
    _rulebook, terms = _terms(coop, now)
    appeal = Appeal(kind=kind, coop=coop, appellant=member, statement=statement, filed_at=now,
                    organisation_id=organisation_id, event_id=0, **terms, **links)
    appeal.save()
    payload = {"appeal": appeal.pk, "kind": kind, **subject_payload}
    if organisation_id:
        payload["organisation"] = organisation_id
    appeal.event_id = event_record(type="appeal.filed", coop=coop, actor=member, subject=appeal, payload=payload)
    appeal.save(update_fields=["event_id"])
    _after_commit_draw(appeal.pk)
    return appeal


def _file_rejection(member, statement, assignment, now):
    try:
        assignment = assignment_for_update(getattr(assignment, "pk", assignment))
    except Assignment.DoesNotExist:
        raise NotFound()
    if assignment.member_id != member.pk:
        raise NotFound()
    if assignment.status == Assignment.Status.APPEALED or Appeal.objects.filter(assignment=assignment).exists():
        raise AlreadyAppealed()
    if assignment.status == Assignment.Status.REJECTION_FINAL:
        raise AppealWindowClosed()
    if assignment.status != Assignment.Status.REJECTED:
        raise NotAppealable(extra={"status": assignment.status})
    if assignment.appeal_deadline is None or assignment.appeal_deadline < now:
        deadline = assignment.appeal_deadline and assignment.appeal_deadline.isoformat()
        raise AppealWindowClosed(extra={"deadline": deadline})
    project = assignment.project
    assignment.status = Assignment.Status.APPEALED
    assignment.save(update_fields=["status"])
    appeal = _create(kind=Appeal.Kind.REJECTION, coop=project.coop, member=member, statement=statement, now=now,
                     subject_payload={"assignment": assignment.pk, "project": project.pk},
                     organisation_id=project.organisation_id, assignment=assignment)
    for user in organisation_staff_users(project.organisation_id):
        notify(user=user, kind="appeal", link=f"/appeals/{appeal.pk}/",
               message=gettext_noop("A member appealed a rejection on “%(p)s”. "
                                    "You may answer once before the jury votes."),
               params={"p": project.title})
    return appeal


def _window_open(coop, since, now):
    days = rulebook_in_force(coop=coop, at=now)["appeal_window_days"]
    if since + timedelta(days=days) < now:
        raise AppealWindowClosed()


def _file_revocation(member, statement, revocation, now):
    revocation = revocation_for_update(getattr(revocation, "pk", revocation), related=("qualification",))
    if revocation is None or revocation.member_id != member.pk:
        raise NotFound()
    if Appeal.objects.filter(revocation=revocation).exists():
        raise AlreadyAppealed()
    if revocation.reinstated_at is not None:
        raise NotAppealable()
    coop = revocation.qualification.coop
    _window_open(coop, revocation.created_at, now)
    return _create(kind=Appeal.Kind.REVOCATION, coop=coop, member=member, statement=statement, now=now,
                   subject_payload={"revocation": revocation.pk},
                   organisation_id=revocation.qualification.organisation_id, revocation=revocation)


def _file_sanction(member, statement, membership, now):
    membership = membership_for_update(pk=getattr(membership, "pk", membership), statuses=(), related=("coop",))
    if membership is None or membership.user_id != member.pk:
        raise NotFound()
    if membership.status != Membership.Status.SUSPENDED:
        raise NotAppealable()
    if Appeal.objects.filter(sanction=membership,
                             status__in=[Appeal.Status.AWAITING_DRAW, Appeal.Status.JURY]).exists():
        raise AlreadyAppealed()
    _window_open(membership.coop, membership.status_changed_at or now, now)
    appeal = _create(kind=Appeal.Kind.SANCTION, coop=membership.coop, member=member, statement=statement, now=now,
                     subject_payload={"membership": membership.pk}, sanction=membership)
    for user in _stewards(membership.coop_id):
        notify(user=user, kind="appeal", link=f"/appeals/{appeal.pk}/",
               message=gettext_noop("A member appealed a suspension. A jury of members will decide."))
    return appeal


@retry_transaction
@transaction.atomic
def appeal_answer(*, actor: User, appeal: Appeal | int, text: str, now: datetime | None = None) -> Appeal:
    """The requester answers the appeal once, in writing, before the jury votes."""
    text = _text(text, MIN_STATEMENT, DomainError("answer_required", _("Write your answer (at least 20 characters).")))
    appeal = locks.appeal_for_update(getattr(appeal, "pk", appeal))
    if appeal is None or appeal.organisation_id is None:
        raise NotFound()

    staff_check(user=actor, organisation=Organisation.objects.get(pk=appeal.organisation_id))
    if appeal.answered_at is not None:
        raise DomainError("already_answered", _("You have already answered this appeal."))
    if not appeal.is_open or appeal.seats.filter(status=JurySeat.Status.VOTED).exists():
        raise DomainError("jury_voting", _("The jury has started voting: it is too late to answer."))
    appeal.requester_answer, appeal.answered_at = text, now or timezone.now()
    appeal.save(update_fields=["requester_answer", "answered_at"])
    event_record(type="appeal.answered", coop=appeal.coop_id, actor=actor, subject=appeal,
                 payload={"appeal": appeal.pk, "organisation": appeal.organisation_id})
    notify(user=appeal.appellant, kind="appeal", link=f"/appeals/{appeal.pk}/",
           message=gettext_noop("The requester answered your appeal."))
    return appeal
