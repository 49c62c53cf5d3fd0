"""Gold tasks: the expected answer checked against the form (field path and message, nothing
written), the member's accuracy and the reveal after submitting, never a rejection by itself,
the qualification metric explained, and the appeal's jury sees the record."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.requesters.services import api_key_create
from tasks.models import Assignment
from tasks.qualifications.records import records_for
from tasks.qualifications.rules import rule_explain, rule_validate
from tasks.quality.models import GoldAnswer
from tasks.quality.selectors import gold_accuracy_of, gold_record
from tasks.quality.services import gold_set
from tasks.quality.services.gold import InvalidGold
from tasks.services import assignment_claim, assignment_submit
from tests.factories import CoopFactory, member, published_project

pytestmark = pytest.mark.django_db
WHY = "The animal has whiskers and pointed ears: a cat."


@pytest.fixture
def world():
    coop = CoopFactory()
    project = published_project(coop, tasks=3, reward=100, estimated_minutes=2)
    tasks = list(project.tasks.order_by("pk"))
    return project, project.organisation.owner, tasks


@pytest.mark.parametrize("expected,path", [
    ({"label": "maybe"}, "expected.label"),  # not one of the choices
    ({"colour": "red"}, "expected.colour"),  # no such field
    ({"note": "x" * 300}, "expected.note"),  # longer than the field allows
])
def test_gold_that_does_not_match_the_form_is_refused_with_its_path(world, expected, path):
    project, owner, tasks = world
    with pytest.raises(InvalidGold) as refused:
        gold_set(actor=owner, task=tasks[0], expected=expected, explanation=WHY)
    assert path in refused.value.extra["fields"] and refused.value.extra["fields"][path]
    assert not GoldAnswer.objects.exists()


def test_gold_needs_an_explanation_and_staff(world):
    project, owner, tasks = world
    with pytest.raises(InvalidGold) as short:
        gold_set(actor=owner, task=tasks[0], expected={"label": "yes"}, explanation="cat")
    assert "explanation" in short.value.extra["fields"]
    outsider = member(project.coop).user
    with pytest.raises(Exception) as forbidden:
        gold_set(actor=outsider, task=tasks[0], expected={"label": "yes"}, explanation=WHY)
    assert getattr(forbidden.value, "status", None) == 403
    assert not GoldAnswer.objects.exists()


def _work(project, worker, label):
    assignment = assignment_claim(member=worker, project=project)
    return assignment_submit(member=worker, assignment=assignment, answers={"label": label})


def test_accuracy_reveal_and_no_rejection(world):
    project, owner, tasks = world
    for task in tasks[:2]:
        gold_set(actor=owner, task=task, expected={"label": "yes"}, explanation=WHY)
    worker = member(project.coop).user
    right = _work(project, worker, "yes")
    wrong = _work(project, worker, "no")
    plain = _work(project, worker, "no")  # the third task is not gold
    assert {right.task_id, wrong.task_id} == {tasks[0].pk, tasks[1].pk} and plain.task_id == tasks[2].pk
    # a wrong gold answer leaves the work submitted, waiting for the requester's own review
    assert Assignment.objects.get(pk=wrong.pk).status == Assignment.Status.SUBMITTED
    values, counts = gold_accuracy_of(member_ids=[worker.pk], min_count=1)
    assert values[worker.pk] == 50 and counts[worker.pk] == 2
    assert gold_record(assignment=plain) is None
    assert gold_record(assignment=wrong)["correct"] is False and gold_record(assignment=wrong)["wrong_fields"] == [
        "label"]
    client = Client()
    client.force_login(worker)
    page = client.get(reverse("quality:mine")).content.decode()
    assert "1 right of 2" in page and WHY in page
    french = client.get(reverse("quality:mine"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "1 juste(s) sur 2" in french


def test_gold_accuracy_is_a_qualification_metric_explained(world):
    project, owner, tasks = world
    for task in tasks:
        gold_set(actor=owner, task=task, expected={"label": "yes"}, explanation=WHY)
    worker = member(project.coop).user
    for label in ("yes", "yes", "no"):
        _work(project, worker, label)
    rule = rule_validate({"metric": "gold_accuracy", "op": ">=", "value": 80, "params": {"min_count": 3}})
    from tasks.qualifications.rules import rule_keys

    record = records_for(member_ids=[worker.pk], keys=rule_keys(rule))[worker.pk]
    explained = rule_explain(rule, record)
    text = str(explained)
    assert "66.7" in text or "66,7" in text or "200/3" in text
    assert "gold accuracy" in text
    strict = rule_validate({"metric": "gold_accuracy", "op": ">=", "value": 50, "params": {"min_count": 5}})
    short = records_for(member_ids=[worker.pk], keys=rule_keys(strict))[worker.pk]
    assert "needs 5 gold tasks answered; you have 3" in str(rule_explain(strict, short))


def test_gold_page_and_api(world):
    project, owner, tasks = world
    client = Client()
    client.force_login(owner)
    page = client.get(reverse("quality:gold", args=[project.pk]) + f"?task={tasks[0].pk}")
    assert page.status_code == 200 and 'name="label"' in page.content.decode()
    # the expected answer is typed in the member's fields: they must not be disabled (found by the walk)
    assert not re.search(r'<input[^>]*name="label"[^>]*disabled', page.content.decode())
    bad = client.post(reverse("quality:gold", args=[project.pk]), {"task": tasks[0].pk, "label": "maybe",
                                                                   "explanation": WHY})
    assert bad.status_code == 400 and "expected.label" in bad.content.decode() and not GoldAnswer.objects.exists()
    saved = client.post(reverse("quality:gold", args=[project.pk]), {"task": tasks[0].pk, "label": "yes",
                                                                     "explanation": WHY})
    assert saved.status_code == 302 and GoldAnswer.objects.get().expected == {"label": "yes"}
    _key, secret = api_key_create(user=owner, organisation=project.organisation, name="g",
                                  scopes=["read", "projects"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    refused = api.post(f"/api/projects/{project.pk}/gold/", {"task": tasks[1].pk, "expected": {"label": 3},
                                                             "explanation": WHY}, format="json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "invalid_gold" and "expected.label" in refused.json()["extra"]["fields"]
    made = api.post(f"/api/projects/{project.pk}/gold/", {"task": tasks[1].pk, "expected": {"label": "no"},
                                                         "explanation": WHY}, format="json")
    assert made.status_code == 201 and made.json()["expected"] == {"label": "no"}
    assert [g["task"] for g in api.get(f"/api/projects/{project.pk}/gold/").json()] == [tasks[0].pk, tasks[1].pk]
