"""The aggregation and gold API (tasks/quality/api.py), by key: start a run (`projects` scope)
and read its results (`read`), mark a task gold with errors naming the field path, and another
organisation's project is not found."""

import pytest
from rest_framework.test import APIClient

from accounts.requesters.services import api_key_create
from tasks.quality.models import AggregationRun, GoldAnswer
from tests.factories import organisation

pytestmark = pytest.mark.django_db


def _client(org, scopes=("read", "projects")):
    _row, secret = api_key_create(user=org.owner, organisation=org, name="quality", scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_start_then_read_the_results(answered, django_capture_on_commit_callbacks):
    project = answered["project"]
    client = _client(project.organisation)
    empty = client.get(f"/api/projects/{project.pk}/aggregation/")
    assert empty.status_code == 200 and empty.json() == {"run": None, "results": []}
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/api/projects/{project.pk}/aggregation/", {"method": "majority_vote"}, format="json")
    assert started.status_code == 202 and started.json()["method"] == "majority_vote"
    body = client.get(f"/api/projects/{project.pk}/aggregation/").json()
    assert body["run"]["status"] == "done" and body["run"]["percent"] == 100
    labels = {row["task"]: row["answer"] for row in body["results"] if row["field"] == "label"}
    assert labels[answered["first_task"].pk] == "yes" and sorted(labels.values()) == ["no", "yes"]


def test_bad_input_and_scopes_and_other_organisations(answered):
    project = answered["project"]
    client = _client(project.organisation)
    bad = client.post(f"/api/projects/{project.pk}/aggregation/", {"method": "oracle"}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"code", "message", "extra"}
    read_only = _client(project.organisation, scopes=("read",))
    refused = read_only.post(f"/api/projects/{project.pk}/aggregation/", {}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "api_key_scope_missing"
    stranger = _client(organisation())
    assert stranger.get(f"/api/projects/{project.pk}/aggregation/").status_code == 404
    assert stranger.get(f"/api/projects/{project.pk}/gold/").status_code == 404
    assert client.get("/api/projects/10000000/aggregation/").json()["code"] == "not_found"
    assert not AggregationRun.objects.exists()


def test_gold_list_and_set_with_field_paths(answered):
    project = answered["project"]
    client = _client(project.organisation)
    listed = client.get(f"/api/projects/{project.pk}/gold/").json()
    assert [row["task"] for row in listed] == [answered["first_task"].pk] and listed[0]["expected"] == {"label": "yes"}
    second = project.tasks.order_by("pk").last()
    made = client.post(f"/api/projects/{project.pk}/gold/", {"task": second.pk, "expected": {"label": "no"},
                                                             "explanation": "No cat in this picture at all."},
                       format="json")
    assert made.status_code == 201 and made.json()["task"] == second.pk
    wrong = client.post(f"/api/projects/{project.pk}/gold/", {"task": second.pk, "expected": {"label": "maybe"},
                                                              "explanation": "No cat in this picture at all."},
                        format="json")
    assert wrong.status_code == 400 and "expected.label" in wrong.json()["extra"]["fields"]
    missing = client.post(f"/api/projects/{project.pk}/gold/", {"task": 10_000_000, "expected": {"label": "no"},
                                                                "explanation": "No cat in this picture at all."},
                          format="json")
    assert missing.status_code == 404 and missing.json()["extra"] == {"field": "task"}
    assert GoldAnswer.objects.get(task=second).expected == {"label": "no"}
