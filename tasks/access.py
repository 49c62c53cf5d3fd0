"""Who may act on a project: requester staff of its organisation, members of its coop."""

from accounts.selectors import organisation_staff_require, organisation_suspended_check
from coop.core.errors import NotFound
from coop.federation.models import Membership


def staff_check(*, user, organisation):
    """Raise Forbidden unless `user` is staff of `organisation` and it is not suspended."""
    organisation_staff_require(user=user, organisation=organisation)
    organisation_suspended_check(organisation)


def staff_of_project(*, user, project):
    """Staff of another organisation see the project as not found."""
    if not project.organisation.staff.filter(user_id=getattr(user, "pk", None)).exists():
        raise NotFound()
    organisation_suspended_check(project.organisation)


def is_steward_of(*, user, coop_id):
    return user.is_authenticated and Membership.objects.filter(
        user=user, coop_id=coop_id, role=Membership.Role.STEWARD, status=Membership.Status.ACTIVE).exists()
