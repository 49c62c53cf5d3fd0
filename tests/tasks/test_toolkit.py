"""The requester's toolkit (issue 20): templates with sample CSVs, the builder's preview and
JSON round-trip, and bad input refused with a path or a line number, nothing created.

The walk: a requester starts a bounding-box project from its template, uploads a CSV (first
one missing the image column, then one with an ftp:// picture, then a good one), publishes,
a member draws (types) boxes, and the results CSV holds them."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given, settings
from rest_framework.test import APIClient

from accounts.requesters.services import api_key_create
from coop.core.guard import json_loads
from ledger.services import deposit_record
from tasks.models import Assignment, Project, Task, TaskImport
from tasks.questions import form_validate, task_data_validate
from tasks.questions.presets import PRESETS, preset_of, sample_rows
from tasks.services import assignment_claim, project_create
from tasks.views.toolkit import form_json
from tests.factories import CoopFactory, member, operator, organisation
from tests.tasks.test_question_kinds import forms

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.slug)
def test_every_template_is_a_valid_form_with_sample_rows_that_fit(preset):
    form = form_validate(preset.form)
    assert form_validate(form) == form
    header, rows = sample_rows(preset)
    assert header and rows
    for row in rows:
        data = dict(zip(header, row, strict=True))
        assert task_data_validate(form, data) == []


def test_the_templates_cover_what_the_issue_lists():
    slugs = {p.slug for p in PRESETS}
    assert slugs == {"image-classification", "bounding-boxes", "receipt-transcription", "audio-transcription",
                     "sentiment", "content-moderation", "comparison", "survey"}
    assert preset_of("content-moderation").data_flags == ["adult_content"]
    kinds = {f["type"] for p in PRESETS for f in p.form}
    assert {"bounding_boxes", "audio_transcription", "likert", "comparison", "highlight"} <= kinds


@pytest.fixture
def lab(client):
    coop = CoopFactory()
    org = organisation(name="Ravina Labs")
    deposit_record(operator=operator(), organisation=org, amount=100_000, reference="wire-lab")
    client.force_login(org.owner)
    return {"coop": coop, "org": org, "owner": org.owner}


def test_the_template_page_in_french_lists_each_template_and_its_sample_csv(client, lab):
    page = client.get(reverse("tasks:requester_templates"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Partir d" in page and "un modèle" in page
    assert "Cadres de délimitation" in page and "Modération de contenu" in page
    assert page.count("/sample.csv") == len(PRESETS)
    response = client.get(reverse("tasks:requester_template_csv", args=["comparison"]))
    assert response["Content-Disposition"] == 'attachment; filename="atelier-comparison-sample.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["answer_a", "answer_b", "question"] and len(rows) == 3
    assert client.get(reverse("tasks:requester_template_csv", args=["nope"])).status_code == 404


def _upload(client, project, body, capture):
    with capture(execute=True):
        response = client.post(reverse("tasks:requester_upload", args=[project.pk]),
                               {"file": SimpleUploadedFile("t.csv", body.encode())})
    return TaskImport.objects.get(pk=response.url.rstrip("/").split("/")[-1])


def test_a_bounding_box_project_from_its_template_to_the_results(client, lab, django_capture_on_commit_callbacks):
    create = reverse("tasks:requester_project_create") + f"?org={lab['org'].pk}&template=bounding-boxes"
    page = client.get(create)
    initial = page.context["form"].initial
    assert json.loads(initial["question_form"])[0]["type"] == "bounding_boxes"
    assert "Sample CSV" in page.content.decode() and 'id="form-builder"' in page.content.decode()
    response = client.post(create, {
        "org": lab["org"].pk, "coop": lab["coop"].pk, "title": initial["title"], "category": initial["category"],
        "instructions": initial["instructions"], "question_form": initial["question_form"], "reward": "0.40",
        "estimated_minutes": "2", "assignments_per_task": "1", "time_limit_minutes": "30",
        "auto_approval_hours": "48"})
    project = Project.objects.get(organisation=lab["org"])
    assert response.url == reverse("tasks:requester_project", args=[project.pk])
    assert project.question_form == form_validate(preset_of("bounding-boxes").form)

    missing = _upload(client, project, "photo\nhttps://img.example/1.jpg\n", django_capture_on_commit_callbacks)
    assert missing.status == "invalid" and missing.errors == [
        {"line": 1, "message": "The header row is missing the columns: image_url."}]
    ftp = _upload(client, project, "image_url\nhttps://img.example/1.jpg\nftp://img.example/2.jpg\n",
                  django_capture_on_commit_callbacks)
    assert ftp.status == "invalid"
    assert ftp.errors == [{"line": 3, "message": "column 'image_url' must be an http(s) URL"}]
    status = client.get(reverse("tasks:requester_import", args=[ftp.pk])).content.decode()
    assert "column &#x27;image_url&#x27; must be an http(s) URL" in status
    assert not Task.objects.filter(project=project).exists()
    header, rows = sample_rows(preset_of("bounding-boxes"))
    sample = client.get(reverse("tasks:requester_template_csv", args=["bounding-boxes"])).content.decode()
    good = _upload(client, project, sample, django_capture_on_commit_callbacks)
    assert good.status == "done" and project.tasks.count() == len(rows)

    confirm = client.get(reverse("tasks:requester_publish", args=[project.pk]))
    client.post(reverse("tasks:requester_publish", args=[project.pk]),
                {"confirm_total": str(confirm.context["cost"]["total"])})
    project.refresh_from_db()
    assert project.status == "open"
    worker = member(lab["coop"]).user
    assignment = assignment_claim(member=worker, project=project)
    client.force_login(worker)
    work = reverse("tasks:assignment", args=[assignment.pk])
    assert assignment.task.data["image_url"] in client.get(work).content.decode()
    client.post(work, {"action": "submit", "boxes": "vehicle: 12 30 200 90\nperson: 300 40 25 80"})
    assert Assignment.objects.get(pk=assignment.pk).status == "submitted"

    client.force_login(lab["owner"])
    results = client.get(reverse("tasks:requester_results_csv", args=[project.pk])).content.decode()
    row = next(csv.DictReader(io.StringIO(results)))
    assert json.loads(row["answer.boxes"]) == [{"x": 12, "y": 30, "w": 200, "h": 90, "label": "vehicle"},
                                               {"x": 300, "y": 40, "w": 25, "h": 80, "label": "person"}]


def test_a_malformed_form_on_the_page_names_each_field_and_creates_nothing(client, lab):
    bad = [{"name": "boxes", "type": "bounding_boxes", "label": "B", "image": "image_url", "classes": []},
           {"name": "mood", "type": "likert", "label": "M", "points": 40}]
    response = client.post(reverse("tasks:requester_project_create") + f"?org={lab['org'].pk}", {
        "org": lab["org"].pk, "coop": lab["coop"].pk, "title": "T", "category": "labelling",
        "question_form": json.dumps(bad), "reward": "0.40", "estimated_minutes": "2", "assignments_per_task": "1",
        "time_limit_minutes": "30", "auto_approval_hours": "48"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200 and not Project.objects.exists()
    errors = response.context["form"].errors["question_form"]
    assert errors == ["Champ 1 (boxes), classes : donnez de 1 à 50 classes d'étiquettes différentes, chacune un "
                      "texte court.", "Champ 2 (mood), points : doit être un nombre entier de 2 à 11."]
    broken = client.post(reverse("tasks:requester_project_create") + f"?org={lab['org'].pk}", {
        "org": lab["org"].pk, "coop": lab["coop"].pk, "title": "T", "category": "labelling",
        "question_form": "[{", "reward": "0.40", "estimated_minutes": "2"})
    assert "This is not valid JSON" in str(broken.context["form"].errors["question_form"])
    assert not Project.objects.exists()


def test_the_api_refuses_a_bad_form_with_paths_and_bad_rows_with_line_numbers(lab):
    _key, secret = api_key_create(user=lab["owner"], organisation=lab["org"], name="script")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    body = {"coop": lab["coop"].slug, "title": "Boxes", "category": "labelling", "reward": 40,
            "estimated_minutes": 2, "question_form": [{"name": "b", "type": "bounding_boxes", "label": "B",
                                                       "image": "Image URL", "classes": ["car"]}]}
    refused = api.post("/api/projects/", body, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_project"
    assert [(p["path"], p["key"]) for p in refused.json()["extra"]["question_form"]] == [("[0].image", "image")]
    assert not Project.objects.exists()
    body["question_form"][0]["image"] = "image_url"
    created = api.post("/api/projects/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["question_form"][0]["classes"] == ["car"]
    pid = created.json()["id"]
    rows = [{"image_url": "https://img.example/1.jpg"}, {"image_url": "javascript:alert(1)"}, {"photo": "x"}]
    bad = api.post(f"/api/projects/{pid}/tasks/", {"tasks": rows}, format="json")
    assert bad.status_code == 400 and bad.json()["extra"]["rows"] == [
        {"line": 2, "message": "column 'image_url' must be an http(s) URL"},
        {"line": 3, "message": "column 'image_url' is empty"}]
    assert not Task.objects.exists()


def test_the_builder_preview_shows_the_member_view_or_every_problem_with_its_path(client, lab):
    url = reverse("tasks:requester_form_preview")
    good = client.post(url, {"question_form": form_json(preset_of("sentiment").form)}).json()
    assert good["ok"] and good["columns"] == ["comment"]
    assert 'class="likert"' in good["html"] and "hl-source" in good["html"] and "“comment”" in good["html"]
    bad = client.post(url, {"question_form": json.dumps([{"name": "x", "type": "text", "label": "X"},
                                                         {"name": "x", "type": "likert", "label": "Y"}])})
    assert bad.status_code == 200 and bad.json()["ok"] is False
    assert [(p["path"], p["field"]) for p in bad.json()["errors"]] == [("[1].name", 1)]
    assert client.post(url, {"question_form": "{oops"}).json()["errors"][0]["field"] is None
    client.force_login(member(lab["coop"]).user)
    assert client.post(url, {"question_form": "[]"}).status_code == 404


def test_the_edit_page_shows_the_form_as_json_and_saving_it_unchanged_changes_nothing(client, lab):
    form = form_validate(preset_of("comparison").form + preset_of("survey").form)
    project = project_create(actor=lab["owner"], organisation=lab["org"], coop=lab["coop"], title="Pairs",
                             category="rating", question_form=form, reward=40, estimated_minutes=2)
    edit = reverse("tasks:requester_project_edit", args=[project.pk])
    shown = client.get(edit).context["form"].initial["question_form"]
    # the same form, in the layout the builder writes (PostgreSQL's jsonb keeps its own key order)
    assert json.loads(shown) == form and shown == json.dumps(json.loads(shown), indent=2, ensure_ascii=False)
    fields = {name: value for name, value in client.get(edit).context["form"].initial.items()}
    client.post(edit, {**fields, "reward": "0.40", "question_form": shown, "data_flags": []})
    project.refresh_from_db()
    assert project.question_form == form and project.title == "Pairs"


@settings(max_examples=40, deadline=None)
@given(forms())
def test_the_json_box_round_trips_any_checked_form(form):
    clean = form_validate(form)
    assert form_validate(json_loads(form_json(clean))) == clean
    assert form_json(json_loads(form_json(clean))) == form_json(clean)
