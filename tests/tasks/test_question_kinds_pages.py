"""The richer question kinds on the member's work page (no JavaScript: the text boxes are the
answer), in the member API, and in the requester's results (page and CSV)."""

import csv
import io
import json

import pytest
from django.urls import reverse

from tasks.models import Assignment
from tasks.questions import form_validate
from tasks.services import assignment_claim
from tests.factories import member, open_project

pytestmark = pytest.mark.django_db

FORM = [
    {"name": "mood", "type": "likert", "label": "Mood", "points": 4, "low_label": "sad", "high_label": "glad"},
    {"name": "better", "type": "comparison", "label": "Better?", "left": "a", "right": "b"},
    {"name": "names", "type": "highlight", "label": "Names", "source": "comment", "classes": ["person"]},
    {"name": "said", "type": "audio_transcription", "label": "Said", "audio": "clip"},
    {"name": "boxes", "type": "bounding_boxes", "label": "Boxes", "image": "photo", "classes": ["car", "bike"]},
]
DATA = {"a": "First answer", "b": "Second answer", "comment": "Rakoto lives in Toamasina.",
        "clip": "https://snd.example/1.mp3", "photo": "https://img.example/street.jpg"}


@pytest.fixture
def work(client):
    project = open_project(tasks=1, question_form=form_validate(FORM), title="Street scenes")
    project.tasks.update(data=DATA)
    worker = member(project.coop).user
    assignment = assignment_claim(member=worker, project=project)
    return {"project": project, "worker": worker, "assignment": assignment}


def test_the_work_page_shows_every_kind_in_french_and_takes_typed_answers(client, work):
    client.force_login(work["worker"])
    url = reverse("tasks:assignment", args=[work["assignment"].pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Élément A" in page and "First answer" in page and "Second answer" in page
    assert 'src="https://snd.example/1.mp3"' in page and 'src="https://img.example/street.jpg"' in page
    assert "Tracer des cadres demande JavaScript" in page and "Rakoto lives in Toamasina." in page
    assert page.count('name="mood"') == 4 and "1 = sad" in page and "js/fields.js" in page
    bad = client.post(url, {"action": "submit", "mood": "3", "better": "left", "names": "person: Paris",
                            "said": "hello", "boxes": "car: 1 2 3"})
    assert bad.status_code == 400
    body = bad.content.decode()
    assert "« Paris »" not in body and "“Paris” is not in the text." in body and "Line 1" in body
    assert Assignment.objects.get(pk=work["assignment"].pk).status == "claimed"
    done = client.post(url, {"action": "submit", "mood": "3", "better": "left", "names": "person: Rakoto",
                             "said": "hello", "boxes": "car: 10 20 30 40\nbike: 0 0 5 5"})
    assert done.status_code == 302
    answers = Assignment.objects.get(pk=work["assignment"].pk).answers
    assert answers["boxes"] == [{"x": 10, "y": 20, "w": 30, "h": 40, "label": "car"},
                                {"x": 0, "y": 0, "w": 5, "h": 5, "label": "bike"}]
    assert answers["names"] == [{"start": 0, "end": 6, "label": "person", "text": "Rakoto"}]
    assert answers["mood"] == 3

    owner = work["project"].organisation.owner
    client.force_login(owner)
    review = client.get(reverse("tasks:requester_assignment", args=[work["assignment"].pk])).content.decode()
    assert "car: 10 20 30 40" in review and "@0-6 person: Rakoto" in review
    listing = client.get(reverse("tasks:requester_review", args=[work["project"].pk])).content.decode()
    assert "car: 10 20 30 40, bike: 0 0 5 5" in listing and "person: “Rakoto”" in listing
    table = client.get(reverse("tasks:requester_results_csv", args=[work["project"].pk])).content.decode()
    row = next(csv.DictReader(io.StringIO(table)))
    assert json.loads(row["answer.boxes"])[0] == {"x": 10, "y": 20, "w": 30, "h": 40, "label": "car"}
    assert json.loads(row["answer.names"])[0]["text"] == "Rakoto" and row["answer.mood"] == "3"


def test_the_member_api_takes_boxes_as_json_and_names_the_bad_field(client, work):
    client.force_login(work["worker"])
    url = reverse("tasks-api:work_submit", args=[work["assignment"].pk])
    answers = {"mood": 1, "better": "right", "names": [{"start": 16, "end": 25, "label": "person"}],
               "said": "x", "boxes": [{"x": 1, "y": 1, "w": 0, "h": 4, "label": "car"}]}
    response = client.post(url, {"answers": answers}, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_answers" and list(body["extra"]["fields"]) == ["boxes"]
    answers["boxes"][0]["w"] = 7
    response = client.post(url, {"answers": answers}, content_type="application/json")
    assert response.status_code == 200, response.content
    stored = Assignment.objects.get(pk=work["assignment"].pk).answers
    assert stored["names"] == [{"start": 16, "end": 25, "label": "person", "text": "Toamasina"}]
