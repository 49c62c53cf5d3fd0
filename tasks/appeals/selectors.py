from django.db.models import Q

from coop.federation.access import is_steward
from tasks.appeals.models import Appeal, JurySeat, ProjectBrake, ProjectFlag, RequesterReview
from tasks.models import Assignment


def appeals_of(*, user):
    return Appeal.objects.filter(appellant=user).select_related("assignment__project").order_by("-filed_at")


def rejections_appealable(*, user):
    return (Assignment.objects.filter(member=user, status=Assignment.Status.REJECTED)
            .select_related("project").order_by("appeal_deadline"))


def seats_of(*, user):
    return (JurySeat.objects.filter(juror=user).select_related("appeal", "appeal__assignment__project")
            .order_by("-invited_at"))


def appeals_of_organisation(*, organisation):
    return Appeal.objects.filter(organisation=organisation).select_related("assignment__project").order_by("-filed_at")


def appeal_readers(*, appeal, user):
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


def steward_queue(*, coop):
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


def reviews_published(*, organisation):
    return RequesterReview.objects.filter(organisation=organisation, status=RequesterReview.Status.PUBLISHED) \
        .order_by("-created_at")
