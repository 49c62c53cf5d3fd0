"""The member's side of MTurk questions (tasks/mturk/views.py): the HTML question's frame, only
for the member who holds the assignment and sandboxed; `externalSubmit` storing what the page
posted as the answer, once, for a known assignment only. (The defaults page: test_defaults.py.)"""

import json

import pytest
from django.test import Client
from django.urls import reverse

from tasks.models import Assignment
from tasks.mturk import ids
from tasks.mturk.questions import ANSWER_FIELD
from tasks.services import assignment_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def claimed(world, hit):
    return assignment_claim(member=world["members"][0], project=hit.project)


def _as(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_frame_serves_the_html_sandboxed_to_its_holder_only(world, claimed):
    page = _as(world["members"][0]).get(reverse("mturk:frame", args=[claimed.pk]))
    assert page.status_code == 200 and "mturk_form" in page.content.decode()
    assert page["Content-Security-Policy"].startswith("sandbox allow-forms allow-scripts")
    assert page["Referrer-Policy"] == "no-referrer" and "no-store" in page["Cache-Control"]
    assert _as(world["members"][1]).get(reverse("mturk:frame", args=[claimed.pk])).status_code == 404
    assert Client().get(reverse("mturk:frame", args=[claimed.pk])).status_code == 302  # log in first


def test_external_submit_stores_the_posted_fields_in_order(world, claimed):
    code = ids.assignment_code(claimed.pk)
    done = Client().post(reverse("mturk:external_submit"), {"assignmentId": code, "cat": "yes", "tags": ["a", "b"]})
    assert done.status_code == 200
    assignment = Assignment.objects.get(pk=claimed.pk)
    assert assignment.status == "submitted"
    assert json.loads(assignment.answers[ANSWER_FIELD]) == [["cat", "yes"], ["tags", "a"], ["tags", "b"]]
    again = Client().post(reverse("mturk:external_submit"), {"assignmentId": code, "cat": "no"})
    assert again.status_code == 409  # submitted already: the first answer stands
    assert json.loads(Assignment.objects.get(pk=claimed.pk).answers[ANSWER_FIELD])[0] == ["cat", "yes"]


def test_external_submit_of_an_unknown_assignment_is_refused(world, claimed):
    for code in ("", "NOT-A-CODE", ids.assignment_code(claimed.pk + 1000)):
        response = Client().post(reverse("mturk:external_submit"), {"assignmentId": code, "cat": "yes"})
        assert response.status_code == 404
    assert Assignment.objects.get(pk=claimed.pk).status == "claimed"
    assert Client().get(reverse("mturk:external_submit")).status_code == 405


def test_a_post_with_no_fields_still_submits(world, claimed):
    Client().post(reverse("mturk:external_submit"), {"assignmentId": ids.assignment_code(claimed.pk)})
    assert json.loads(Assignment.objects.get(pk=claimed.pk).answers[ANSWER_FIELD]) == [["submitted", "true"]]
