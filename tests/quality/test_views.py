"""Quality pages (tasks/quality/views.py): the requester's aggregation with its results and CSV
and JSON exports, the gold page (bad input shown, nothing saved), review assistance's filters,
the member's own figures, the stewards' view; other organisations' projects are not found."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from tasks.quality.models import AggregationRun, GoldAnswer
from tests.factories import organisation, steward

pytestmark = pytest.mark.django_db


def _as(user):
    client = Client()
    client.force_login(user)
    return client


def test_aggregation_page_and_exports(aggregated):
    project, run = aggregated["project"], aggregated["run"]
    client = _as(aggregated["owner"])
    page = client.get(reverse("quality:aggregation", args=[project.pk]))
    assert page.status_code == 200 and 'id="aggregation-progress"' in page.content.decode()
    exported = client.get(reverse("quality:aggregation_csv", args=[project.pk, run.pk]))
    lines = b"".join(exported.streaming_content if exported.streaming else [exported.content]).decode().splitlines()
    assert lines[0].lstrip("\ufeff").startswith("task,line,field,answer") and len(lines) == 1 + 2
    body = json.loads(client.get(reverse("quality:aggregation_json", args=[project.pk, run.pk])).content)
    assert body["run"] == run.pk and {t["fields"]["label"]["answer"] for t in body["tasks"]} == {"yes", "no"}
    assert client.get(reverse("quality:aggregation_json", args=[project.pk, run.pk + 1000])).status_code == 404


def test_starting_twice_shows_one_run(answered):
    project = answered["project"]
    client = _as(answered["owner"])
    for _ in range(2):
        response = client.post(reverse("quality:aggregation_start", args=[project.pk]), {"method": "glad"})
        assert response.status_code == 302
    assert AggregationRun.objects.filter(project=project).count() == 1


def test_another_organisation_sees_nothing(aggregated):
    project, run = aggregated["project"], aggregated["run"]
    client = _as(organisation().owner)
    for name, args in [("quality:aggregation", [project.pk]), ("quality:aggregation_csv", [project.pk, run.pk]),
                       ("quality:gold", [project.pk]), ("quality:review", [project.pk])]:
        assert client.get(reverse(name, args=args)).status_code == 404, name
    assert client.post(reverse("quality:aggregation_start", args=[project.pk])).status_code == 404


def test_gold_page_saves_and_shows_bad_input(answered):
    project = answered["project"]
    second = project.tasks.order_by("pk").last()
    client = _as(answered["owner"])
    url = reverse("quality:gold", args=[project.pk])
    short = client.post(url, {"task": second.pk, "label": "no", "explanation": "no"})
    assert short.status_code == 400 and not GoldAnswer.objects.filter(task=second).exists()
    saved = client.post(url, {"task": second.pk, "label": "no", "explanation": "No cat anywhere in the picture."})
    assert saved.status_code == 302 and GoldAnswer.objects.get(task=second).expected == {"label": "no"}
    removed = client.post(url, {"task": second.pk, "remove": "1"})
    assert removed.status_code == 302 and not GoldAnswer.objects.filter(task=second).exists()


def test_review_assist_filters_by_agreement(aggregated):
    project = aggregated["project"]
    client = _as(aggregated["owner"])
    url = reverse("quality:review", args=[project.pk])
    every = client.get(url).content.decode()
    agreeing = client.get(url, {"min_agreement": "1"}).content.decode()
    assert every.count('name="ids"') == 6 or every.count("<tr") > agreeing.count("<tr")
    assert every.count("<tr") - agreeing.count("<tr") == 1
    assert client.get(url, {"min_agreement": "abc", "sort": "nonsense"}).status_code == 200


def test_members_and_stewards_see_their_figures(aggregated):
    worker = aggregated["workers"][2]
    mine = _as(worker).get(reverse("quality:mine"))
    assert mine.status_code == 200 and 'id="gold-accuracy"' in mine.content.decode()
    assert "0 right of 1" in mine.content.decode()
    stewards = _as(steward(aggregated["coop"]).user).get(reverse("quality:steward"))
    assert stewards.status_code == 200 and "50" in stewards.content.decode()
    assert _as(worker).get(reverse("quality:steward")).status_code in (302, 403, 404)
