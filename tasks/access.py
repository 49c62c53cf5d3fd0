"""Who may act on a project: requester staff of its organisation, members and stewards of its coop."""

from django.utils.translation import gettext as _

from accounts.selectors import organisation_suspended_check
from coop.core.db import instance_get
from coop.core.errors import NotFound
from coop.federation.access import membership_active_of, requester_staff_require, steward_coop_ids
from coop.federation.errors import NotASteward
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


def project_for_steward(*, user, project_id):
    """A project of a coop where `user` is an active steward (its row only: the review services
    lock it and re-read its state). Someone who stewards no coop is NotASteward (403, as the
    steward pages answer); a project of another coop, or none, is NotFound (404, as the page
    deciding on one answers): a steward learns nothing of another coop's projects."""
    coop_ids = steward_coop_ids(user)
    if not coop_ids:
        raise NotASteward()
    project = instance_get(Project, project_id)
    if project is None or project.coop_id not in coop_ids:
        raise NotFound("unknown_project", _("No such project in the coops you steward."))
    return project


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
