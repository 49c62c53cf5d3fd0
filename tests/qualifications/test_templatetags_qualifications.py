"""`{% project_qualifications project %}` (tasks/qualifications/templatetags/qualifications.py):
a project's required qualifications in words, with the count of members who meet them unless a
member's page asks for no count."""

import pytest
from django.template import Context, Template

from tasks.qualifications.models import ProjectRequirement
from tests.factories import CoopFactory, computed_qualification, member, open_project, steward

pytestmark = pytest.mark.django_db

TEMPLATE = Template("{% load qualifications %}{% project_qualifications project %}")
NO_COUNT = Template("{% load qualifications %}{% project_qualifications project count=False %}")


def test_the_tag_lists_the_requirements_and_counts_who_meets_them():
    coop = CoopFactory()
    boss = steward(coop).user
    member(coop)
    project = open_project(coop)
    rule = {"metric": "tenure_days", "op": ">=", "value": 0}
    qualification = computed_qualification(coop, rule, name="Any member", actor=boss)
    ProjectRequirement.objects.create(project=project, qualification=qualification, added_by=boss)
    html = TEMPLATE.render(Context({"project": project, "user": boss}))
    assert "Any member" in html and f"/qualifications/{qualification.pk}/" in html
    assert "2 members of 2 meet them." in html
    assert "Choose required qualifications" in html  # a logged-in reader of a requester's project
    quiet = NO_COUNT.render(Context({"project": open_project(coop)}))
    assert "meet them" not in quiet and "meets them" not in quiet


def test_a_project_requiring_nothing_is_open_to_every_member():
    coop = CoopFactory()
    member(coop)
    html = TEMPLATE.render(Context({"project": open_project(coop)}))
    assert "None: every active member of the coop may work on it." in html
    assert "0 members of 1 meet them." not in html and "1 member of 1 meets them." in html
