"""An aggregation end to end: overlap 3, asked for on the page and run as a job, results on
the page and in CSV (formulas neutralised) and JSON, the member's own agreement, the
stewards' view, and the run made when the project closes."""

import csv
import io
import json

import pytest
from django.test import Client
from django.urls import reverse

from accounts.pseudonyms import worker_pseudonym
from coop.eventlog.models import Event
from tasks.quality.models import AggregationRun, MemberAgreement, TaskAggregate
from tasks.quality.services import aggregation_request
from tasks.services import assignment_approve, assignment_claim, assignment_submit
from tests.factories import CoopFactory, member, published_project, steward

pytestmark = pytest.mark.django_db


@pytest.fixture
def overlap():
    coop = CoopFactory()
    project = published_project(coop, tasks=2, reward=100, estimated_minutes=2, assignments_per_task=3)
    workers = [member(coop).user for _ in range(3)]
    answers = {0: ["yes", "yes", "no"], 1: ["no", "no", "no"]}
    notes = ["=HYPERLINK(\"x\")", "fine", "fine"]
    submitted = []
    for i, worker in enumerate(workers):
        for _ in range(2):
            a = assignment_claim(member=worker, project=project)
            task_index = sorted(project.tasks.values_list("pk", flat=True)).index(a.task_id)
            submitted.append(assignment_submit(member=worker, assignment=a,
                                               answers={"label": answers[task_index][i], "note": notes[i]}))
    return project, workers, submitted


def test_on_demand_run_aggregates_every_task_and_field(overlap, django_capture_on_commit_callbacks):
    project, workers, _submitted = overlap
    owner = project.organisation.owner
    with django_capture_on_commit_callbacks(execute=True):
        run = aggregation_request(actor=owner, project=project, method="dawid_skene")
    run.refresh_from_db()
    assert run.status == AggregationRun.Status.DONE and run.percent == 100 and run.answers == 6 and run.tasks == 2
    labels = {r.task_id: r for r in TaskAggregate.objects.filter(run=run, field="label")}
    first, second = sorted(labels)
    assert labels[first].answer == "yes" and labels[first].agreement == pytest.approx(2 / 3)
    assert labels[second].answer == "no" and labels[second].agreement == 1.0
    assert 0.5 < labels[first].confidence <= 1
    agreements = dict(MemberAgreement.objects.filter(run=run).values_list("member_id", "agreement"))
    # member 1 wrote a note unlike the others' on both tasks; member 3 said "no" on the first
    # task (the aggregate is "yes"): over 2 tasks x 2 fields
    assert agreements[workers[0].pk] == pytest.approx(2 / 4) and agreements[workers[2].pk] == pytest.approx(3 / 4)
    assert agreements[workers[1].pk] == pytest.approx(1.0)
    ready = Event.objects.get(type="aggregation.ready")
    assert ready.subject_id == str(run.pk)


def test_asking_twice_while_it_waits_returns_the_same_run(overlap):
    project, _workers, _ = overlap
    owner = project.organisation.owner
    first = aggregation_request(actor=owner, project=project)
    assert aggregation_request(actor=owner, project=project) == first
    assert AggregationRun.objects.count() == 1


def test_others_may_not_ask(overlap):
    project, workers, _ = overlap
    with pytest.raises(Exception) as refused:
        aggregation_request(actor=workers[0], project=project)
    assert getattr(refused.value, "status", None) == 403
    assert not AggregationRun.objects.exists()


def test_pages_and_exports(overlap, django_capture_on_commit_callbacks):
    project, workers, _ = overlap
    owner = project.organisation.owner
    client = Client()
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("quality:aggregation_start", args=[project.pk]), {"method": "majority_vote"})
    assert started.status_code == 302
    run = AggregationRun.objects.get()
    page = client.get(reverse("quality:aggregation", args=[project.pk])).content.decode()
    assert worker_pseudonym(user=workers[1], organisation=project.organisation) in page
    assert workers[1].email not in page
    exported = client.get(reverse("quality:aggregation_csv", args=[project.pk, run.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode()
                                       if exported.streaming else exported.content.decode())))
    assert rows[0] == ["task", "line", "field", "answer", "confidence", "agreement", "answers", "method"]
    assert len(rows) == 1 + 4  # 2 tasks x 2 fields
    assert all(not cell.startswith("=") for row in rows for cell in row)
    body = json.loads(client.get(reverse("quality:aggregation_json", args=[project.pk, run.pk])).content)
    assert body["method"] == "majority_vote" and len(body["tasks"]) == 2
    assert set(body["tasks"][0]["fields"]["label"]) == {"answer", "confidence", "agreement", "answers"}
    stranger = Client()
    stranger.force_login(workers[0])
    assert stranger.get(reverse("quality:aggregation_csv", args=[project.pk, run.pk])).status_code == 404
    mine = stranger.get(reverse("quality:mine")).content.decode()
    assert project.title in mine and "0.50" in mine  # 2 of 4 answers agreed (see the first test)
    french = stranger.get(reverse("quality:mine"), HTTP_ACCEPT_LANGUAGE="fr")
    assert "Mon accord avec les autres" in french.content.decode()


def test_stewards_see_their_coops_members(overlap, django_capture_on_commit_callbacks):
    project, workers, _ = overlap
    with django_capture_on_commit_callbacks(execute=True):
        aggregation_request(actor=project.organisation.owner, project=project)
    lead = steward(project.coop).user
    client = Client()
    client.force_login(lead)
    page = client.get(reverse("quality:steward"))
    assert page.status_code == 200 and project.title in page.content.decode()
    outsider = Client()
    outsider.force_login(workers[0])
    assert outsider.get(reverse("quality:steward")).status_code == 403


def test_a_project_whose_work_is_all_reviewed_is_aggregated_once(overlap, django_capture_on_commit_callbacks):
    project, _workers, submitted = overlap
    owner = project.organisation.owner
    for assignment in submitted:
        with django_capture_on_commit_callbacks(execute=True):
            assignment_approve(actor=owner, assignment=assignment)
    run = AggregationRun.objects.get()
    assert run.trigger == AggregationRun.Trigger.CLOSE and run.status == AggregationRun.Status.DONE
    assert run.close_key == f"project:{project.pk}:close:{project.holds}"


def test_api_starts_and_reads(overlap, django_capture_on_commit_callbacks):
    from rest_framework.test import APIClient

    from accounts.requesters.services import api_key_create

    project, _workers, _ = overlap
    _key, secret = api_key_create(user=project.organisation.owner, organisation=project.organisation, name="q",
                                  scopes=["read", "projects"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    bad = client.post(f"/api/projects/{project.pk}/aggregation/", {"method": "average"}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"code", "message", "extra"}
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/api/projects/{project.pk}/aggregation/", {"method": "glad"}, format="json")
    assert started.status_code == 202
    body = client.get(f"/api/projects/{project.pk}/aggregation/").json()
    assert body["run"]["status"] == "done" and body["run"]["method"] == "glad" and len(body["results"]) == 4
