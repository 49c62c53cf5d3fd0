"""Appeals to a jury of peers (issue 9): filing, the reproducible draw, jurors' answers and
votes, the decision and its money, juror pay. Every write records its event."""

from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django_q.tasks import async_task

from accounts.models import Organisation, OrganisationStaff
from accounts.services import notify
from coop.core.db import retry_transaction
from coop.core.errors import DomainError, NotFound
from coop.eventlog.models import Checkpoint, Sequenced
from coop.eventlog.services import event_record
from coop.federation.access import access_changed, is_steward, stewards_of
from coop.federation.locks import membership_for_update
from coop.federation.models import Membership
from coop.federation.selectors import members_participating, rulebook_in_force
from coop.federation.services import membership_reinstate_by_appeal
from ledger.errors import InsufficientFunds
from ledger.services import juror_pay
from ledger.treasury import juror_fund_top_up
from tasks import escrow
from tasks.access import staff_check
from tasks.appeals import draw, locks
from tasks.appeals.errors import (
    AlreadyAppealed,
    AlreadyVoted,
    AppealWindowClosed,
    NotAJuror,
    NotAppealable,
    StatementRequired,
)
from tasks.appeals.models import Appeal, JurySeat, RequesterReview
from tasks.locks import assignment_for_update, project_for_update
from tasks.models import Assignment, Project
from tasks.qualifications.enqueue import enqueue_member_reevaluate
from tasks.qualifications.locks import revocation_for_update
from tasks.qualifications.models import ProjectRequirement, QualificationGrant
from tasks.qualifications.services import qualification_reinstate

MIN_STATEMENT = 20
MIN_REASON = 10
LABELS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _text(value, minimum, error):
    value = (value or "").strip()
    if len(value) < minimum or "\x00" in value:
        raise error
    return value


def _terms(coop):
    rulebook = rulebook_in_force(coop=coop)
    return rulebook, {
        "rulebook_version": rulebook.version,
        "jury_size": rulebook["jury_size"],
        "response_hours": rulebook["jury_response_hours"],
        "juror_pay": rulebook["floor_hourly_rate"] * rulebook["juror_minutes"] // 60,
    }


def _staff_users(organisation_id):
    rows = OrganisationStaff.objects.filter(organisation_id=organisation_id).select_related("user")
    return [row.user for row in rows]


def _stewards(coop_id):
    return stewards_of(coop_id)


def _after_commit_draw(appeal_id):
    transaction.on_commit(lambda: async_task("tasks.appeals.jobs.appeal_draw_job", appeal_id))


# --- filing --------------------------------------------------------------------------------------------------


@retry_transaction
@transaction.atomic
def appeal_file(*, member, statement, assignment=None, revocation=None, sanction=None, now=None):
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
    _rulebook, terms = _terms(coop)
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
    for user in _staff_users(project.organisation_id):
        notify(user=user, kind="appeal", link=f"/appeals/{appeal.pk}/",
               message=gettext_noop("A member appealed a rejection on “%(p)s”. "
                                    "You may answer once before the jury votes."),
               params={"p": project.title})
    return appeal


def _window_open(coop, since, now):
    days = rulebook_in_force(coop=coop)["appeal_window_days"]
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
def appeal_answer(*, actor, appeal, text, now=None):
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


# --- the draw ------------------------------------------------------------------------------------------------


def appeal_checkpoint(appeal):
    """The first signed checkpoint whose tree contains the appeal's event, or None yet."""
    position = Sequenced.objects.filter(event_id=appeal.event_id).values_list("position", flat=True).first()
    if position is None:
        return None
    return Checkpoint.objects.filter(size__gte=position).order_by("size").first()


def appeal_candidates(appeal, *, at=None):
    """Participating members of the coop who may sit on this jury (sorted user ids), and
    whether they were narrowed to holders of the project's qualifications."""
    ids = set(members_participating(coop=appeal.coop, at=at).values_list("user_id", flat=True))
    ids.discard(appeal.appellant_id)
    preferred = False
    if appeal.assignment_id:
        assignment = Assignment.objects.select_related("project").get(pk=appeal.assignment_id)
        ids -= set(Assignment.objects.filter(task_id=assignment.task_id).values_list("member_id", flat=True))
        ids -= {u.pk for u in _staff_users(assignment.project.organisation_id)}
        holders = _qualified(assignment.project, ids)
        if holders is not None and len(holders) >= 3 * appeal.jury_size:
            ids, preferred = holders, True
    return sorted(ids), preferred


def _qualified(project, ids):
    """Candidates holding every qualification the project requires (None if it requires none)."""
    required = list(ProjectRequirement.objects.filter(project=project).values_list("qualification_id", flat=True))
    if not required:
        return None
    holders = set(ids)
    for qualification_id in required:
        holders &= set(QualificationGrant.objects.filter(qualification_id=qualification_id, revoked_at__isnull=True,
                                                         member_id__in=holders).values_list("member_id", flat=True))
    return holders


def _invite(appeal, juror_id, index, now):
    seat = JurySeat.objects.create(appeal=appeal, juror_id=juror_id, draw_index=index, label=_label(index),
                                   invited_at=now, respond_by=now + timedelta(hours=appeal.response_hours))
    notify(user=seat.juror, kind="jury", link=f"/appeals/{appeal.pk}/jury/",
           message=gettext_noop("You were drawn as a juror on an appeal. Please accept or decline within %(h)s hours."),
           params={"h": appeal.response_hours})
    return seat


def _label(index):
    """The seat's letter ("A", ..., "Z", then "A26"...): pages say "Juror A" in the reader's language."""
    return LABELS[index % len(LABELS)] + ("" if index < len(LABELS) else str(index))


@retry_transaction
@transaction.atomic
def appeal_draw(*, appeal_id, now=None):
    """Draw the jury once the appeal's event is in a signed checkpoint. Returns True if drawn.
    Safe to call again: a drawn appeal is left alone; one without enough candidates waits."""
    now = now or timezone.now()
    appeal = locks.appeal_with_coop_for_update(appeal_id)
    if appeal.status != Appeal.Status.AWAITING_DRAW:
        return False
    checkpoint = appeal_checkpoint(appeal)
    if checkpoint is None:
        return False
    candidates, preferred = appeal_candidates(appeal, at=now)
    if len(candidates) < appeal.jury_size:
        return False
    seed = draw.draw_seed(appeal_id=appeal.pk, root=bytes(checkpoint.root))
    order = draw.draw_order(seed=seed, candidates=candidates)
    appeal.checkpoint_size, appeal.checkpoint_root = checkpoint.size, bytes(checkpoint.root).hex()
    appeal.seed = seed.hex()
    appeal.candidates, appeal.draw_order, appeal.preferred_holders = candidates, order, preferred
    appeal.drawn_at, appeal.status = now, Appeal.Status.JURY
    appeal.save()
    for index, juror_id in enumerate(order[:appeal.jury_size]):
        _invite(appeal, juror_id, index, now)
    event_record(type="appeal.jury_drawn", coop=appeal.coop_id, subject=appeal,
                 payload={"appeal": appeal.pk, "checkpoint_size": checkpoint.size, "seed": seed.hex(),
                          "candidates": len(candidates), "jury_size": appeal.jury_size})
    return True


def _replace(appeal, now):
    """Invite the next in the draw order for every seat that declined or lapsed."""
    seated = set(appeal.seats.values_list("juror_id", flat=True))
    live = appeal.seats.filter(status__in=JurySeat.LIVE).count()
    next_index = appeal.seats.count()
    invited = 0
    for juror_id in appeal.draw_order:
        if live + invited >= appeal.jury_size:
            break
        if juror_id in seated:
            continue
        if not Membership.objects.active().filter(user_id=juror_id, coop_id=appeal.coop_id).exists():
            seated.add(juror_id)
            continue
        _invite(appeal, juror_id, next_index, now)
        seated.add(juror_id)
        next_index += 1
        invited += 1
    return invited


@retry_transaction
@transaction.atomic
def seats_lapse_and_replace(*, appeal_id, now=None):
    """Jurors who did not answer within `jury_response_hours` lapse and are replaced."""
    now = now or timezone.now()
    appeal = locks.appeal_for_update(appeal_id)
    if appeal is None:
        raise Appeal.DoesNotExist()
    if appeal.status != Appeal.Status.JURY:
        return 0
    lapsed = list(appeal.seats.filter(status=JurySeat.Status.INVITED, respond_by__lt=now))
    for seat in lapsed:
        seat.status, seat.responded_at = JurySeat.Status.LAPSED, now
        seat.save(update_fields=["status", "responded_at"])
        access_changed(user_id=seat.juror_id)
        event_record(type="appeal.juror_lapsed", coop=appeal.coop_id, subject=appeal,
                     payload={"appeal": appeal.pk, "seat": seat.pk})
    return _replace(appeal, now) if lapsed else 0


# --- jurors --------------------------------------------------------------------------------------------------


def _seat_for_update(juror, appeal):
    appeal = locks.appeal_for_update(getattr(appeal, "pk", appeal))
    if appeal is None:
        raise NotFound()
    seat = locks.seat_for_update(appeal=appeal, juror_id=juror.pk)
    if seat is None or seat.status in (JurySeat.Status.DECLINED, JurySeat.Status.LAPSED):
        raise NotAJuror()
    if appeal.status != Appeal.Status.JURY:
        raise DomainError("appeal_closed", _("This appeal is no longer before the jury."))
    return appeal, seat


@retry_transaction
@transaction.atomic
def seat_accept(*, juror, appeal, now=None):
    appeal, seat = _seat_for_update(juror, appeal)
    if seat.status != JurySeat.Status.INVITED:
        return seat
    seat.status, seat.responded_at = JurySeat.Status.ACCEPTED, now or timezone.now()
    seat.save(update_fields=["status", "responded_at"])
    event_record(type="appeal.juror_accepted", coop=appeal.coop_id, actor=juror, subject=appeal,
                 payload={"appeal": appeal.pk, "seat": seat.pk})
    return seat


@retry_transaction
@transaction.atomic
def seat_decline(*, juror, appeal, now=None):
    now = now or timezone.now()
    appeal, seat = _seat_for_update(juror, appeal)
    if seat.status == JurySeat.Status.VOTED:
        raise AlreadyVoted()
    seat.status, seat.responded_at = JurySeat.Status.DECLINED, now
    seat.save(update_fields=["status", "responded_at"])
    access_changed(user_id=seat.juror_id)
    event_record(type="appeal.juror_declined", coop=appeal.coop_id, actor=juror, subject=appeal,
                 payload={"appeal": appeal.pk, "seat": seat.pk})
    _replace(appeal, now)
    return seat


@retry_transaction
@transaction.atomic
def seat_vote(*, juror, appeal, vote, reason, now=None):
    """A juror votes uphold or overturn with a written reason. When every seat has voted the
    appeal is decided: majority, and a tie overturns."""
    now = now or timezone.now()
    if vote not in Appeal.Decision.values:
        raise DomainError("invalid_vote", _("Vote uphold or overturn."), {"choices": Appeal.Decision.values})
    reason = _text(reason, MIN_REASON, DomainError("reason_required",
                                                   _("Give the reason for your vote (at least 10 characters).")))
    appeal, seat = _seat_for_update(juror, appeal)
    if seat.status == JurySeat.Status.VOTED:
        raise AlreadyVoted()
    seat.status, seat.vote, seat.vote_reason, seat.voted_at = JurySeat.Status.VOTED, vote, reason, now
    seat.responded_at = seat.responded_at or now
    seat.save()
    # The vote event says a juror voted, never how: the decision event carries the counts.
    event_record(type="appeal.juror_voted", coop=appeal.coop_id, actor=juror, subject=appeal,
                 payload={"appeal": appeal.pk, "seat": seat.pk})
    votes = list(appeal.seats.filter(status=JurySeat.Status.VOTED))
    if len(votes) >= appeal.jury_size:
        _decide(appeal, votes, now)
    return seat


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
        jurors_pay_one(seat_id=seat.pk)
    notify(user=appeal.appellant, kind="appeal", link=f"/appeals/{appeal.pk}/",
           message=gettext_noop("The jury decided your appeal: %(d)s. Read the jurors' reasons."), params={
               "d": gettext_lazy("overturned: you are in the right") if overturned else gettext_lazy("upheld")})
    if appeal.organisation_id:
        for user in _staff_users(appeal.organisation_id):
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
        escrow.refund(project=project, amount=escrow.slot_cost(project=project, slot_id=assignment.slot_id),
                      key=f"assignment:{assignment.pk}:refund")
        project.save(update_fields=["escrow_refunded"])
        assignment.status = Assignment.Status.UPHELD
    assignment.finalised_at = now
    assignment.save(update_fields=["status", "finalised_at", "reviewed_at"])
    event_record(type="assignment.overturned" if overturned else "assignment.upheld", coop=project.coop_id,
                 subject=assignment, payload={"assignment": assignment.pk, "project": project.pk,
                                              "organisation": project.organisation_id, "appeal": appeal.pk})


@retry_transaction
@transaction.atomic
def jurors_pay_one(*, seat_id, now=None):
    """Pay one juror for a decided case from the coop's juror fund, once (key per seat). When
    the fund is short, it is first topped up from the treasury to the coop's voted reserve
    (ledger/treasury.py, docs/ledger.md); if the treasury cannot cover it either, the seat stays
    unpaid, stewards are told (with a link to the fund's page), and the job retries later."""
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
            return False
    except DomainError as exc:
        _juror_unpaid_notify(appeal, exc)
        return False
    seat.paid_at = now or timezone.now()
    seat.save(update_fields=["paid_at"])
    return True


def _juror_unpaid_notify(appeal, exc):
    """Tell the coop's stewards once per failed attempt, in each reader's language."""
    code = exc.code
    for user in _stewards(appeal.coop_id):
        notify(user=user, kind="juror_fund", link=reverse("ledger:steward_funds"),
               message=gettext_noop("A juror could not be paid: the juror fund and the treasury are both short. "
                              "Add to the treasury or raise the reserve.") if code == "insufficient_funds"
               else _("A juror could not be paid (%(code)s).") % {"code": code})


# --- member reviews of requesters ----------------------------------------------------------------------------


@retry_transaction
@transaction.atomic
def review_post(*, member, project, rating, text):
    """A member who was paid for work on a finished project leaves a short review; a steward
    publishes or hides it."""
    text = (text or "").strip()
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise DomainError("invalid_rating", _("Give a rating from 1 to 5."))
    if not 10 <= len(text) <= 1000 or "\x00" in text:
        raise DomainError("invalid_review", _("Write between 10 and 1,000 characters."))
    project = Project.objects.select_related("organisation").filter(pk=getattr(project, "pk", project)).first()
    if project is None or not Assignment.objects.filter(project=project, member=member,
                                                         status__in=Assignment.PAID_STATUSES).exists():
        raise NotFound()
    finished = project.status == Project.Status.CANCELLED or not project.slots.filter(status="open").exists()
    if not finished:
        raise DomainError("project_not_finished", _("You can review a requester once the project is finished."))
    if RequesterReview.objects.filter(project=project, member=member).exists():
        raise DomainError("already_reviewed", _("You have already reviewed this project."))
    review = RequesterReview.objects.create(project=project, organisation=project.organisation, member=member,
                                            rating=rating, text=text)
    event_record(type="requester.reviewed", coop=project.coop_id, actor=member, subject=review,
                 payload={"review": review.pk, "project": project.pk, "rating": rating})
    return review


@retry_transaction
@transaction.atomic
def review_moderate(*, steward, review, publish, reason=""):
    review = locks.review_for_update(getattr(review, "pk", review))
    if review is None or not is_steward(steward, coop_id=review.project.coop_id):
        raise NotFound()
    reason = (reason or "").strip()
    if not publish and len(reason) < MIN_REASON:
        raise DomainError("reason_required", _("Say why the review is hidden (at least 10 characters)."))
    review.status = RequesterReview.Status.PUBLISHED if publish else RequesterReview.Status.HIDDEN
    review.moderation_reason = reason
    review.save(update_fields=["status", "moderation_reason"])
    event_record(type="requester.review_moderated", coop=review.project.coop_id, actor=steward, subject=review,
                 payload={"review": review.pk, "published": int(bool(publish))})
    return review
