"""Pages: my qualifications, the paid test (never the key before), the attempt's result,
the requester's choice of required qualifications."""

import pytest
from django.urls import reverse

from tests.factories import (
    HALF,
    CoopFactory,
    computed_qualification,
    member,
    open_project,
    organisation,
    paid_test,
)

pytestmark = pytest.mark.django_db


def test_my_qualifications_shows_the_rule_my_numbers_and_the_next_step(client):
    m = member()
    computed_qualification(m.coop)
    paid_test(m.coop)
    client.force_login(m.user)
    html = client.get(reverse("qualifications:mine")).content.decode()
    assert "Senior member" in html and "at least 30 days of membership" in html
    assert "30 more days of membership" in html and 'class="progress"' in html
    assert "Malagasy transcriber" in html and "Take the paid test" in html


def test_the_test_page_never_shows_the_key_and_the_result_shows_what_was_wrong(client):
    test = paid_test(CoopFactory())
    m = member(test.qualification.coop).user
    client.force_login(m)
    page = client.get(reverse("qualifications:test", args=[test.pk])).content.decode()
    assert "$3.00" in page and "tsara" not in page
    response = client.post(reverse("qualifications:attempt_start", args=[test.pk]))
    attempt_url = response["Location"]
    form = client.get(attempt_url).content.decode()
    assert "Capital of Madagascar?" in form and "tsara" not in form
    done = client.post(attempt_url, {"capital": HALF["capital"], "sum": "5", "word": "tsara", "colours": ["dog"]},
                       follow=True).content.decode()
    assert "Score: 50%" in done and "not passed" in done and "Paid to your wallet: $3.00" in done
    assert done.count('class="badge bad">wrong') == 2


def test_a_bad_answer_keeps_the_members_input(client):
    test = paid_test(CoopFactory())
    m = member(test.qualification.coop).user
    client.force_login(m)
    attempt_url = client.post(reverse("qualifications:attempt_start", args=[test.pk]))["Location"]
    page = client.post(attempt_url, {"capital": "Antananarivo", "sum": "four", "word": "tsara"}).content.decode()
    assert "Enter a number." in page and 'value="Antananarivo" checked' in page


def test_the_requester_chooses_required_qualifications_and_sees_the_count(client):
    coop = CoopFactory()
    q = computed_qualification(coop)
    org = organisation()
    project = open_project(coop, organisation=org, tasks=1)
    client.force_login(org.owner)
    url = reverse("qualifications:project_requirements", args=[project.pk])
    preview = client.post(url, {"qualifications": [q.pk], "preview": "1"}).content.decode()
    assert "With this choice, 0 members would be eligible." in preview
    response = client.post(url, {"qualifications": [q.pk]})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "0 members of 1 meet them." in page
    client.force_login(member(coop).user)
    assert client.get(url).status_code == 404


def test_a_steward_defines_a_qualification_and_a_bad_rule_keeps_the_input(client):
    m = member(CoopFactory(), role="steward")
    client.force_login(m.user)
    url = reverse("qualifications:manage")
    bad = client.post(url, {"owner": f"coop:{m.coop_id}", "name": "Senior", "kind": "computed",
                            "rule": '{"metric": "tenure_days", "op": ">=", "value": "30"}',
                            "reason": "Members asked for it at the meeting."}).content.decode()
    assert "without quotes" in bad and "Senior" in bad
    ok = client.post(url, {"owner": f"coop:{m.coop_id}", "name": "Senior", "kind": "computed",
                           "rule": '{"metric": "tenure_days", "op": ">=", "value": 30}',
                           "reason": "Members asked for it at the meeting."})
    assert ok.status_code == 302


def test_the_project_qualifications_tag_shows_requirements_and_the_count():
    from django.template import Context, Template

    from tasks.qualifications.services import project_requirements_set

    coop = CoopFactory()
    q = computed_qualification(coop)
    org = organisation()
    project = open_project(coop, organisation=org, tasks=1)
    project_requirements_set(actor=org.owner, project=project, qualifications=[q])
    html = Template("{% load qualifications %}{% project_qualifications project %}").render(
        Context({"project": project, "user": org.owner}))
    assert "Senior member" in html and "at least 30 days of membership" in html
    assert "0 members of 1 meet them." in html


def test_the_project_page_says_why_and_claiming_there_is_refused(client):
    from tasks.models import Assignment
    from tasks.qualifications.services import project_requirements_set

    m = member()
    q = computed_qualification(m.coop, name="Senior member")
    org = organisation()
    project = open_project(m.coop, organisation=org, tasks=2)
    project_requirements_set(actor=org.owner, project=project, qualifications=[q])
    client.force_login(m.user)
    page = client.get(reverse("tasks:project", args=[project.pk])).content.decode()
    assert "Needs the qualification “Senior member”: 30 more days of membership." in page
    assert "Take a task" not in page and reverse("qualifications:detail", args=[q.pk]) in page
    response = client.post(reverse("tasks:claim", args=[project.pk]), follow=True)
    assert "30 more days of membership" in response.content.decode()
    assert not Assignment.objects.exists()


def test_the_requester_project_page_shows_the_eligible_count(client):
    coop = CoopFactory()
    q = computed_qualification(coop)
    org = organisation()
    project = open_project(coop, organisation=org, tasks=1)
    client.force_login(org.owner)
    from tasks.qualifications.services import project_requirements_set

    project_requirements_set(actor=org.owner, project=project, qualifications=[q])
    page = client.get(reverse("tasks:requester_project", args=[project.pk])).content.decode()
    assert "Required qualifications" in page and "0 members of 1 meet them." in page
