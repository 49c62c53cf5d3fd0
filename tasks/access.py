"""Who may act on a project: requester staff of its organisation, members of its coop."""

from accounts.selectors import organisation_suspended_check
from coop.core.db import instance_get
from coop.core.errors import NotFound
from coop.federation.access import membership_active_of, requester_staff_require
from tasks.models import Assignment, Project


def staff_check(*, user, organisation):
    """Raise Forbidden unless `user` is staff of `organisation` and it is not suspended."""
    requester_staff_require(user, organisation_id=organisation.pk)
    organisation_suspended_check(organisation)


def project_for_member(*, user, project_id):
    """`(project, membership)`: a published project of the coop where `user` is an active
    member. Anything else, a draft above all (drafts are the requester's alone, and so is a
    project awaiting the stewards' review), is NotFound."""
    membership = membership_active_of(user)
    project = (Project.objects.select_related("organisation", "coop").filter(pk=project_id)
               .exclude(status__in=(Project.Status.DRAFT, Project.Status.REVIEW)).first())
    if project is None or membership is None or membership.coop_id != project.coop_id:
        raise NotFound()
    return project, membership


def staff_of_project(*, user, project):
    """Staff of another organisation see the project as not found."""
    if not project.organisation.staff.filter(user_id=getattr(user, "pk", None)).exists():
        raise NotFound()
    organisation_suspended_check(project.organisation)


def assignment_of_member(*, user, assignment_id):
    """The member's own assignment (its row only: the services re-read what they need under
    their lock, the views what they show); anyone else's is NotFound."""
    assignment = instance_get(Assignment, assignment_id)  # hand-written: every member API request asks (issue 21)
    if assignment is None or assignment.member_id != getattr(user, "pk", None):
        raise NotFound()
    return assignment
