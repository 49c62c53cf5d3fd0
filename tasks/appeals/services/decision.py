"""The decision of a jury and what follows from it (the work paid or the rejection upheld, a
qualification or membership given back), and juror pay from the coop's juror fund."""

from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django_q.tasks import async_task

from accounts.services import notify
from coop.core.db import retry_transaction
from coop.core.errors import DomainError
from coop.eventlog.services import event_record
from coop.federation.services import membership_reinstate_by_appeal
from ledger.errors import InsufficientFunds
from ledger.services import juror_pay
from ledger.treasury import juror_fund_top_up
from tasks import escrow
from tasks.appeals import locks
from tasks.appeals.models import Appeal, JurySeat
from tasks.appeals.selectors import organisation_staff_users
from tasks.appeals.services.common import _stewards
from tasks.locks import assignment_for_update, project_for_update
from tasks.models import Assignment
from tasks.qualifications.enqueue import enqueue_member_reevaluate
from tasks.qualifications.services import qualification_reinstate

# --- the decision --------------------------------------------------------------------------------------------


def _decide(appeal, votes, now):
    """Decide an appeal whose row lock the caller holds."""
    overturn = sum(1 for seat in votes if seat.vote == Appeal.Decision.OVERTURN)
    uphold = len(votes) - overturn
    overturned = overturn >= uphold  # a tie overturns
    appeal.uphold_votes, appeal.overturn_votes, appeal.decided_at = uphold, overturn, now
    appeal.status = Appeal.Status.OVERTURNED if overturned else Appeal.Status.UPHELD
    appeal.save(update_fields=["uphold_votes", "overturn_votes", "decided_at", "status"])
    if appeal.kind == Appeal.Kind.REJECTION:
        _decide_rejection(appeal, overturned, now)
    elif appeal.kind == Appeal.Kind.REVOCATION and overturned:
        qualification_reinstate(revocation=appeal.revocation, reason=_("A jury of members overturned the revocation."))
    elif appeal.kind == Appeal.Kind.SANCTION and overturned:
        membership_reinstate_by_appeal(membership=appeal.sanction, appeal_id=appeal.pk)
    payload = {"appeal": appeal.pk, "decision": appeal.status, "uphold": uphold, "overturn": overturn}
    if appeal.organisation_id:
        payload["organisation"] = appeal.organisation_id
    event_record(type="appeal.decided", coop=appeal.coop_id, subject=appeal, payload=payload)
    for seat in votes:
        jurors_pay_one(seat_id=seat.pk, now=now)
    notify(user=appeal.appellant, kind="appeal", link=f"/appeals/{appeal.pk}/",
           message=gettext_noop("The jury decided your appeal: %(d)s. Read the jurors' reasons."), params={
               "d": gettext_lazy("overturned: you are in the right") if overturned else gettext_lazy("upheld")})
    if appeal.organisation_id:
        for user in organisation_staff_users(appeal.organisation_id):
            notify(user=user, kind="appeal", link=f"/appeals/{appeal.pk}/",
                   message=gettext_noop("A jury decided an appeal on your project: %(d)s."),
                   params={"d": Appeal.Status(appeal.status).label})
    member_id, organisation_id = appeal.appellant_id, appeal.organisation_id
    transaction.on_commit(lambda: _after_decision(member_id, organisation_id))


def _after_decision(member_id, organisation_id):
    enqueue_member_reevaluate(member_id)
    if organisation_id:
        async_task("tasks.appeals.jobs.scorecard_job", organisation_id)


def _decide_rejection(appeal, overturned, now):
    assignment = assignment_for_update(appeal.assignment_id)
    project = project_for_update(assignment.project_id)
    if overturned:
        escrow.release(assignment=assignment, project=project)
        assignment.status = Assignment.Status.OVERTURNED
        assignment.reviewed_at = assignment.reviewed_at or now
    else:
        escrow.refund_assignment(project=project, assignment=assignment)
        assignment.status = Assignment.Status.UPHELD
    assignment.finalised_at = now
    assignment.save(update_fields=["status", "finalised_at", "reviewed_at"])
    event_record(type="assignment.overturned" if overturned else "assignment.upheld", coop=project.coop_id,
                 subject=assignment, payload={"assignment": assignment.pk, "project": project.pk,
                                              "organisation": project.organisation_id, "appeal": appeal.pk})


@retry_transaction
@transaction.atomic
def jurors_pay_one(*, seat_id: int, now: datetime | None = None, short: dict | None = None) -> bool:
    """Pay one juror for a decided case from the coop's juror fund, once (key per seat). When
    the fund is short, it is first topped up from the treasury to the coop's voted reserve
    (ledger/treasury.py, docs/ledger.md); if the treasury cannot cover it either, the seat stays
    unpaid, stewards are told (with a link to the fund's page), and the job retries later.
    `short` (the job's): {coop id: the smallest pay the coop's funds refused}, filled here."""
    seat = locks.seat_to_pay_for_update(seat_id)
    appeal = seat.appeal
    if seat.paid_at is not None or seat.status != JurySeat.Status.VOTED or appeal.is_open:
        return False
    key = f"appeal:{appeal.pk}:seat:{seat.pk}:pay"
    try:
        with transaction.atomic():
            juror_pay(coop=appeal.coop, user=seat.juror, amount=appeal.juror_pay, key=key)
    except InsufficientFunds:
        try:
            with transaction.atomic():
                juror_fund_top_up(coop=appeal.coop, need=appeal.juror_pay, key=f"{key}:top-up")
                juror_pay(coop=appeal.coop, user=seat.juror, amount=appeal.juror_pay, key=key)
        except DomainError as exc:
            _juror_unpaid_notify(appeal, exc)
            _note_short(short, appeal, exc)
            return False
    except DomainError as exc:
        _juror_unpaid_notify(appeal, exc)
        _note_short(short, appeal, exc)
        return False
    seat.paid_at = now or timezone.now()
    seat.save(update_fields=["paid_at"])
    return True


def _note_short(short, appeal, exc):
    if short is not None and exc.code == InsufficientFunds.code:
        short[appeal.coop_id] = min(short.get(appeal.coop_id, appeal.juror_pay), appeal.juror_pay)


def _juror_unpaid_notify(appeal, exc):
    """Tell the coop's stewards once per failed attempt, in each reader's language."""
    code = exc.code
    for user in _stewards(appeal.coop_id):
        notify(user=user, kind="juror_fund", link=reverse("ledger:steward_funds"),
               message=gettext_noop("A juror could not be paid: the juror fund and the treasury are both short. "
                              "Add to the treasury or raise the reserve.") if code == "insufficient_funds"
               else _("A juror could not be paid (%(code)s).") % {"code": code})
