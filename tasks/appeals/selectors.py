from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Organisation, OrganisationStaff, User
from coop.core.money import format_amount
from coop.eventlog.models import Checkpoint, Sequenced
from coop.federation.access import is_steward
from coop.federation.models import Coop
from coop.federation.selectors import members_participating
from tasks.appeals.models import Appeal, JurySeat, ProjectBrake, ProjectFlag, RequesterReview, Scorecard
from tasks.appeals.scorecards import scorecard_compute
from tasks.models import Assignment
from tasks.qualifications.models import ProjectRequirement, QualificationGrant


def appeals_of(*, user: User) -> QuerySet[Appeal]:
    return Appeal.objects.filter(appellant=user).select_related("assignment__project").order_by("-filed_at")


def rejections_appealable(*, user: User) -> QuerySet[Assignment]:
    return (Assignment.objects.filter(member=user, status=Assignment.Status.REJECTED)
            .select_related("project").order_by("appeal_deadline"))


def seats_of(*, user: User) -> QuerySet[JurySeat]:
    return (JurySeat.objects.filter(juror=user).select_related("appeal", "appeal__assignment__project")
            .order_by("-invited_at"))


def appeals_of_organisation(*, organisation: Organisation) -> QuerySet[Appeal]:
    return Appeal.objects.filter(organisation=organisation).select_related("assignment__project").order_by("-filed_at")


def appeal_readers(*, appeal: Appeal, user: User | AnonymousUser) -> str | None:
    """How `user` may see this appeal: 'appellant', 'juror', 'requester', 'steward' or None."""
    if not user.is_authenticated:
        return None
    if appeal.appellant_id == user.pk:
        return "appellant"
    if JurySeat.objects.filter(appeal=appeal, juror=user).exclude(status__in=["declined", "lapsed"]).exists():
        return "juror"
    if appeal.organisation_id and appeal.organisation.staff.filter(user=user).exists():
        return "requester"
    if is_steward(user, coop_id=appeal.coop_id):
        return "steward"
    return None


def steward_queue(*, coop: Coop) -> dict:
    return {
        "frozen": Assignment.objects.filter(project__coop=coop, status=Assignment.Status.FROZEN)
        .select_related("project", "project__organisation").order_by("reviewed_at"),
        "brakes": ProjectBrake.objects.filter(project__coop=coop, lifted_at__isnull=True).select_related("project"),
        "flagged": ProjectFlag.objects.filter(project__coop=coop, resolved_at__isnull=True)
        .select_related("project").order_by("project_id", "created_at"),
        "reviews": RequesterReview.objects.filter(project__coop=coop, status=RequesterReview.Status.PENDING)
        .select_related("organisation", "project"),
        "open_appeals": Appeal.objects.filter(coop=coop).filter(Q(status="awaiting_draw") | Q(status="jury")),
    }


def reviews_published(*, organisation: Organisation) -> QuerySet[RequesterReview]:
    return RequesterReview.objects.filter(organisation=organisation, status=RequesterReview.Status.PUBLISHED) \
        .order_by("-created_at")


def appeal_outcome(*, appeal: Appeal, role: str, seat: JurySeat | None = None) -> dict:
    """The outcome in words for one reader (issue 16 point 6): who won and what was paid, or
    where the case stands. Returns {"headline", "detail"} (detail may be empty)."""
    if appeal.status == appeal.Status.AWAITING_DRAW:
        return {"headline": _("Waiting for the jury to be drawn."),
                "detail": _("The jury is drawn by lot shortly after the appeal is filed.")}
    if appeal.status == appeal.Status.JURY:
        return {"headline": ngettext("A jury of %(n)s member is considering the case.",
                                     "A jury of %(n)s members is considering the case.",
                                     appeal.jury_size) % {"n": appeal.jury_size},
                "detail": _("The decision is taken by majority; a tie goes to the member.")}
    won = appeal.status == appeal.Status.OVERTURNED
    votes = _("%(o)s of %(t)s jurors voted for the member.") % {
        "o": appeal.overturn_votes, "t": appeal.overturn_votes + appeal.uphold_votes}
    juror_paid = ""
    if role == "juror" and seat is not None and seat.paid_at is not None:
        juror_paid = " " + _("You were paid %(pay)s for sitting on this jury.") % {
            "pay": format_amount(appeal.juror_pay)}
    if appeal.kind == appeal.Kind.REJECTION:
        project = appeal.assignment.project
        reward = format_amount(project.reward)
        refund = format_amount(project.reward + appeal.assignment.slot.fee)
        if won:
            headline = {
                "appellant": _("You won: %(r)s paid to your wallet.") % {"r": reward},
                "requester": _("The jury overturned your rejection: the member was paid %(r)s from the "
                               "project's escrow.") % {"r": reward},
            }.get(role, _("The member won: %(r)s paid to their wallet.") % {"r": reward})
        else:
            headline = {
                "appellant": _("The requester's rejection stands; the money went back to them."),
                "requester": _("Your rejection stands: %(m)s went back to your balance.") % {"m": refund},
            }.get(role, _("The requester's rejection stands; the money went back to them."))
    elif appeal.kind == appeal.Kind.REVOCATION:
        if won:
            headline = (_("You won: your qualification is given back.") if role == "appellant"
                        else _("The member won: their qualification is given back."))
        else:
            headline = _("The revocation stands.")
    else:
        if won:
            headline = (_("You won: your suspension is lifted.") if role == "appellant"
                        else _("The member won: their suspension is lifted."))
        else:
            headline = _("The suspension stands.")
    return {"headline": headline, "detail": votes + juror_paid, "won": won}


# --- the draw's reads -----------------------------------------------------------------------

def organisation_staff_users(organisation_id: int) -> list:
    """The users on the organisation's staff (who the draw leaves out, who is told)."""
    rows = OrganisationStaff.objects.filter(organisation_id=organisation_id).select_related("user")
    return [row.user for row in rows]


def appeal_checkpoint(appeal: Appeal) -> Checkpoint | None:
    """The first signed checkpoint whose tree contains the appeal's event, or None yet."""
    position = Sequenced.objects.filter(event_id=appeal.event_id).values_list("position", flat=True).first()
    if position is None:
        return None
    return Checkpoint.objects.filter(size__gte=position).order_by("size").first()


def appeal_candidates(appeal: Appeal, *, at: datetime | None = None) -> tuple:
    """Participating members of the coop who may sit on this jury (sorted user ids), and
    whether they were narrowed to holders of the project's qualifications."""
    ids = set(members_participating(coop=appeal.coop, at=at).values_list("user_id", flat=True))
    ids.discard(appeal.appellant_id)
    preferred = False
    if appeal.assignment_id:
        assignment = Assignment.objects.select_related("project").get(pk=appeal.assignment_id)
        ids -= set(Assignment.objects.filter(task_id=assignment.task_id).values_list("member_id", flat=True))
        ids -= {u.pk for u in organisation_staff_users(assignment.project.organisation_id)}
        holders = _holders_of_requirements(assignment.project, ids)
        if holders is not None and len(holders) >= 3 * appeal.jury_size:
            ids, preferred = holders, True
    return sorted(ids), preferred


def _holders_of_requirements(project, ids):
    """Candidates holding every qualification the project requires (None if it requires none)."""
    required = list(ProjectRequirement.objects.filter(project=project).values_list("qualification_id", flat=True))
    if not required:
        return None
    holders = set(ids)
    for qualification_id in required:
        holders &= set(QualificationGrant.objects.filter(qualification_id=qualification_id, revoked_at__isnull=True,
                                                         member_id__in=holders).values_list("member_id", flat=True))
    return holders


# --- scorecards -----------------------------------------------------------------------------

def scorecard_for(*, organisation: Organisation) -> Scorecard:
    """The organisation's stored scorecard; before its first refresh by the job, the figures
    computed now and not stored (a read never writes)."""
    card = Scorecard.objects.filter(organisation=organisation).first()
    if card is None:
        card = Scorecard(organisation=organisation, figures=scorecard_compute(organisation_id=organisation.pk),
                         computed_at=timezone.now())
    return card
