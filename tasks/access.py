"""Who may act on a project: requester staff of its organisation, members of its coop."""

from accounts.selectors import organisation_staff_require, organisation_suspended_check
from coop.core.errors import NotFound


def staff_check(*, user, organisation):
    """Raise Forbidden unless `user` is staff of `organisation` and it is not suspended."""
    organisation_staff_require(user=user, organisation=organisation)
    organisation_suspended_check(organisation)


def staff_of_project(*, user, project):
    """Staff of another organisation see the project as not found."""
    if not project.organisation.staff.filter(user_id=getattr(user, "pk", None)).exists():
        raise NotFound()
    organisation_suspended_check(project.organisation)
