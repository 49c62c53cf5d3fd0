"""Who may act on a project: requester staff of its organisation, members of its coop."""

from django.utils.translation import gettext_lazy as _

from accounts.models import OrganisationStaff
from coop.core.errors import Forbidden, NotFound
from coop.federation.models import Membership


def staff_check(*, user, organisation):
    """Raise unless `user` is staff of `organisation` and it is not suspended."""
    if user is None or not user.is_authenticated or not OrganisationStaff.objects.filter(
            organisation_id=getattr(organisation, "pk", organisation), user=user).exists():
        raise Forbidden("not_requester_staff", _("Only staff of this requester may do this."))
    if getattr(organisation, "suspended_at", None) is not None:
        raise Forbidden("organisation_suspended", _("This requester is suspended."))


def staff_of_project(*, user, project):
    """Requester staff see a project of another organisation as not found."""
    if user is None or not user.is_authenticated or not OrganisationStaff.objects.filter(
            organisation_id=project.organisation_id, user=user).exists():
        raise NotFound()
    staff_check(user=user, organisation=project.organisation)


def is_steward_of(*, user, coop_id):
    return user.is_authenticated and Membership.objects.filter(
        user=user, coop_id=coop_id, role=Membership.Role.STEWARD, status=Membership.Status.ACTIVE).exists()
