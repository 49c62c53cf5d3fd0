"""Quality pages (tasks/quality/views.py): the requester's aggregation with its results and CSV
and JSON exports, the gold page (bad input shown, nothing saved), review assistance's filters,
the member's own figures, the stewards' view; other organisations' projects are not found."""

import csv
import io
import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from tasks.models import Assignment
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
    html = page.content.decode()
    assert page.status_code == 200 and 'id="aggregation-progress"' not in html  # done: nothing running
    assert f"/requester/quality/{project.pk}/aggregation/{run.pk}.csv" in html
    exported = client.get(reverse("quality:aggregation_csv", args=[project.pk, run.pk]))
    text = b"".join(exported.streaming_content if exported.streaming else [exported.content]).decode()
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["task", "line", "field", "answer", "confidence", "agreement", "answers", "method"]
    assert sorted(row[3] for row in rows[1:]) == ["no", "yes"] and {row[7] for row in rows[1:]} == {"majority_vote"}
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
    def listed(**query):
        html = client.get(url, query).content.decode()
        return [int(pk) for pk in re.findall(r'<tr><td><a href="/requester/assignments/\d+/">(\d+)</a>', html)]

    out_of_step = Assignment.objects.get(member=aggregated["workers"][2], task=aggregated["first_task"]).pk
    assert sorted(listed()) == sorted(a.pk for a in aggregated["submitted"])
    assert listed()[-1] == out_of_step  # sorted by agreement, highest first
    assert listed(sort="agreement")[0] == out_of_step
    assert out_of_step not in listed(min_agreement="1") and len(listed(min_agreement="1")) == 5
    assert len(listed(min_agreement="abc", sort="nonsense")) == 6  # bad filters are ignored


def test_members_and_stewards_see_their_figures(aggregated):
    worker = aggregated["workers"][2]
    mine = _as(worker).get(reverse("quality:mine"))
    assert mine.status_code == 200 and 'id="gold-accuracy"' in mine.content.decode()
    assert "0 right of 1" in mine.content.decode()
    stewards = _as(steward(aggregated["coop"]).user).get(reverse("quality:steward"))
    assert stewards.status_code == 200 and "50" in stewards.content.decode()
    assert _as(worker).get(reverse("quality:steward")).status_code in (302, 403, 404)
