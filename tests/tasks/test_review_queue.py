"""The requester's review queue and the review page on a phone: every project with work
waiting, the answers shown on the page, and the next submission after each decision
(issue 16, points 1 and 5)."""

import re

import pytest
from django.urls import reverse

from tasks.models import Assignment
from tasks.services import assignment_claim, assignment_submit
from tests.factories import CoopFactory, member
from tests.factories.tasks import published_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting():
    coop = CoopFactory()
    project = published_project(coop, tasks=4, title="Count the cats", reward=100, estimated_minutes=3)
    other = published_project(coop, tasks=2, title="Nothing yet", organisation=project.organisation)
    subs = []
    for n in range(3):
        user = member(coop).user
        a = assignment_claim(member=user, project=project)
        subs.append(assignment_submit(member=user, assignment=a, answers={"label": "yes", "note": f"answer-{n}"}))
    return {"project": project, "other": other, "owner": project.organisation.owner, "subs": subs}


def test_the_review_queue_lists_projects_with_work_waiting(client, waiting, django_assert_num_queries):
    client.force_login(waiting["owner"])
    url = reverse("tasks:requester_queue")
    client.get(url)
    with django_assert_num_queries(5):  # session, user with profile, organisations, projects, nav roles
        page = client.get(url).content.decode()
    assert "Count the cats" in page and "Nothing yet" not in page
    assert "3 submissions wait for your review." in page
    oldest = waiting["subs"][0]
    assert reverse("tasks:requester_assignment", args=[oldest.pk]) in page


def test_the_review_table_shows_the_answers_of_each_submission(client, waiting):
    client.force_login(waiting["owner"])
    page = client.get(reverse("tasks:requester_review", args=[waiting["project"].pk])).content.decode()
    for n in range(3):
        assert f"<dd>answer-{n}</dd>" in page


@pytest.mark.parametrize("action, extra", [
    ("approve", {}),
    ("reject", {"reason": "wrong_answer", "explanation": "The picture shows a dog, see example two."}),
    ("revise", {"comment": "Please count the cat in the corner too."}),
])
def test_each_decision_offers_the_next_submission(client, waiting, action, extra):
    first, second = waiting["subs"][0], waiting["subs"][1]
    client.force_login(waiting["owner"])
    url = reverse("tasks:requester_assignment", args=[first.pk])
    response = client.post(url, {"action": action, **extra}, follow=True)
    assert Assignment.objects.get(pk=first.pk).status != "submitted"
    page = response.content.decode()
    link = re.search(r'<a class="button wide" href="([^"]+)">Next submission', page)
    assert link and link.group(1) == reverse("tasks:requester_assignment", args=[second.pk])


def test_the_last_decision_says_nothing_else_waits(client, waiting):
    client.force_login(waiting["owner"])
    for sub in waiting["subs"]:
        response = client.post(reverse("tasks:requester_assignment", args=[sub.pk]), {"action": "approve"}, follow=True)
    assert "No other submission waits for review." in response.content.decode()
    assert "Nothing waits for review." in client.get(reverse("tasks:requester_queue")).content.decode()
