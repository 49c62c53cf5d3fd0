"""Who may act on a project (tasks/access.py): requester staff of its organisation (not
suspended), active members of its coop; everyone else gets a 403 or, where the project's
existence is private, a 404."""

import pytest
from django.utils import timezone

from accounts.errors import NotOrganisationStaff
from coop.core.errors import DomainError, NotFound
from tasks import access
from tasks.models import Project
from tasks.services import assignment_claim
from tests.factories import CoopFactory, UserFactory, member, open_project, organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    return open_project(CoopFactory(), tasks=1)


def _suspend(org):
    org.suspended_at = timezone.now()
    org.suspended_reason = "unpaid invoices"
    org.save()


def test_staff_check_passes_staff_and_refuses_others_and_a_suspended_organisation(project):
    org = project.organisation
    access.staff_check(user=org.staff.first().user, organisation=org)
    with pytest.raises(NotOrganisationStaff):
        access.staff_check(user=UserFactory(), organisation=org)
    _suspend(org)
    with pytest.raises(DomainError) as err:
        access.staff_check(user=org.staff.first().user, organisation=org)
    assert err.value.code == "organisation_suspended"
    assert err.value.extra == {"reason": "unpaid invoices"}


def test_project_for_member_gives_the_project_and_membership_of_its_coop(project):
    membership = member(project.coop)
    found, found_membership = access.project_for_member(user=membership.user, project_id=project.pk)
    assert (found, found_membership) == (project, membership)


@pytest.mark.parametrize("who", ["other_coop", "nobody", "draft", "missing"])
def test_project_for_member_is_not_found_for_anyone_else(project, who):
    user = member(project.coop).user
    project_id = project.pk
    if who == "other_coop":
        user = member().user
    elif who == "nobody":
        user = UserFactory()
    elif who == "draft":
        Project.objects.filter(pk=project.pk).update(status=Project.Status.DRAFT)
    else:
        project_id = project.pk + 1000
    with pytest.raises(NotFound):
        access.project_for_member(user=user, project_id=project_id)


def test_staff_of_project_hides_the_project_from_other_organisations(project):
    access.staff_of_project(user=project.organisation.staff.first().user, project=project)
    with pytest.raises(NotFound):
        access.staff_of_project(user=organisation().owner, project=project)
    with pytest.raises(NotFound):
        access.staff_of_project(user=None, project=project)


def test_assignment_of_member_is_the_members_own_only(project):
    worker = member(project.coop).user
    assignment = assignment_claim(member=worker, project=project)
    assert access.assignment_of_member(user=worker, assignment_id=assignment.pk) == assignment
    with pytest.raises(NotFound):
        access.assignment_of_member(user=member(project.coop).user, assignment_id=assignment.pk)
