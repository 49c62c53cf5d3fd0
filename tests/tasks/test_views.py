import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.pseudonyms import worker_pseudonym
from tasks.models import Assignment, Project
from tasks.services import assignment_claim, assignment_submit
from tests.factories import CoopFactory, member, organisation, published_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(client):
    coop = CoopFactory()
    project = published_project(coop, tasks=3, title="Count the cats", reward=100, estimated_minutes=3)
    worker = member(coop).user
    return {"coop": coop, "project": project, "owner": project.organisation.owner, "worker": worker}


def test_feed_shows_reward_rate_requester_remaining_and_reasons(client, world, django_assert_num_queries,
                                                                 monkeypatch):
    from tasks import eligibility

    monkeypatch.setattr(eligibility, "_CHECKS", [])  # the marketplace's own queries (other checks add theirs)
    flagged = published_project(world["coop"], tasks=1, title="Faces", data_flags=["faces_or_identity_documents"])
    published_project(world["coop"], tasks=1, title="Third")
    client.force_login(world["worker"])
    client.get(reverse("tasks:feed"))
    # session, user with profile, membership (with rulebook number, open count, coop watch), menu,
    # categories, the country-restricted projects the member may not see (issue 23), projects (with
    # scorecards and watches), consents: the other checks add theirs
    with django_assert_num_queries(8):
        body = client.get(reverse("tasks:feed")).content.decode()
    assert "Count the cats" in body and "$1.00" in body and "$20.00" in body  # reward, hourly rate
    assert world["project"].organisation.name in body
    assert flagged.title in body and 'data-code="data_consent"' in body


def test_member_claims_works_and_submits_through_the_pages(client, world):
    client.force_login(world["worker"])
    response = client.post(reverse("tasks:claim", args=[world["project"].pk]))
    assignment = Assignment.objects.get(member=world["worker"])
    assert response.url == reverse("tasks:assignment", args=[assignment.pk])
    page = client.get(response.url).content.decode()
    assert 'name="label"' in page and "https://img.example/" in page
    bad = client.post(response.url, {"action": "submit", "label": "perhaps"})
    assert bad.status_code == 400 and Assignment.objects.get(pk=assignment.pk).status == "claimed"
    client.post(response.url, {"action": "save", "note": "half done"})
    assert Assignment.objects.get(pk=assignment.pk).draft == {"label": "", "note": "half done"}
    done = client.post(response.url, {"action": "submit", "label": "yes"})
    assert done.status_code == 302 and Assignment.objects.get(pk=assignment.pk).status == "submitted"
    mine = client.get(reverse("tasks:mine")).content.decode()
    assert "Count the cats" in mine and "$1.00" in mine


def test_requester_creates_uploads_previews_publishes_and_reviews(client, world, django_capture_on_commit_callbacks):
    org = world["project"].organisation
    client.force_login(world["owner"])
    response = client.post(reverse("tasks:requester_project_create") + f"?org={org.pk}", {
        "org": org.pk, "coop": world["coop"].pk, "title": "Receipts", "category": "transcription",
        "instructions": "Type the **total**.", "reward": "0.60", "estimated_minutes": "3",
        "assignments_per_task": "1", "time_limit_minutes": "30", "auto_approval_hours": "48",
        "question_form": '[{"name": "total", "type": "number", "label": "Total", "show": {"image": "receipt"}}]',
    })
    project = Project.objects.get(title="Receipts")
    assert response.url == reverse("tasks:requester_project", args=[project.pk]) and project.reward == 60
    csv_file = SimpleUploadedFile("r.csv", b"receipt\nhttps://r.example/1.png\nhttps://r.example/2.png\n")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("tasks:requester_upload", args=[project.pk]), {"file": csv_file})
    status = client.get(response.url + "?format=json").json()
    assert status["status"] == "done" and status["percent"] == 100
    preview = client.get(reverse("tasks:requester_preview", args=[project.pk])).content.decode()
    assert "https://r.example/1.png" in preview and 'name="total"' in preview
    confirm = client.get(reverse("tasks:requester_publish", args=[project.pk]))
    client.post(reverse("tasks:requester_publish", args=[project.pk]),
                {"confirm_total": str(confirm.context["cost"]["total"])})
    assert Project.objects.get(pk=project.pk).status == "open"
    a = assignment_claim(member=world["worker"], project=world["project"])
    assignment_submit(member=world["worker"], assignment=a, answers={"label": "no"})
    table = client.get(reverse("tasks:requester_review", args=[world["project"].pk])).content.decode()
    pseudonym = worker_pseudonym(user=world["worker"], organisation=org)
    assert pseudonym in table and world["worker"].email not in table
    assert world["worker"].profile.display_name not in table
    csv_body = client.get(reverse("tasks:requester_results_csv", args=[world["project"].pk])).content.decode()
    assert pseudonym in csv_body and "answer.label" in csv_body and world["worker"].email not in csv_body
    page = reverse("tasks:requester_assignment", args=[a.pk])
    client.post(page, {"action": "reject", "reason": "wrong_answer", "explanation": "short"})
    assert Assignment.objects.get(pk=a.pk).status == "submitted"
    client.post(page, {"action": "reject", "reason": "wrong_answer",
                       "explanation": "There are two cats in this picture, look at the left."})
    assert Assignment.objects.get(pk=a.pk).status == "rejected"
    client.force_login(world["worker"])
    mine = client.get(reverse("tasks:mine")).content.decode()
    assert "two cats in this picture" in mine and "The answer is wrong against a checked reference." in mine


def test_review_table_pins_its_query_count(client, world, django_assert_num_queries):
    for _ in range(3):
        w = member(world["coop"]).user
        a = assignment_claim(member=w, project=world["project"])
        assignment_submit(member=w, assignment=a, answers={"label": "yes"})
    client.force_login(world["owner"])
    url = reverse("tasks:requester_review", args=[world["project"].pk])
    client.get(url)
    with django_assert_num_queries(7):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("name", ["requester_project", "requester_review", "requester_preview",
                                  "requester_results_csv", "requester_project_edit"])
def test_other_requesters_and_members_get_404_on_requester_pages(client, world, name):
    url = reverse(f"tasks:{name}", args=[world["project"].pk])
    for user in (organisation().owner, world["worker"]):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.post(reverse("tasks:requester_action", args=[world["project"].pk, "cancel"]))
    assert Project.objects.get(pk=world["project"].pk).status == "open"


def test_members_of_other_coops_and_other_members_get_404(client, world):
    a = assignment_claim(member=world["worker"], project=world["project"])
    outsider = member(CoopFactory()).user
    client.force_login(outsider)
    assert client.get(reverse("tasks:project", args=[world["project"].pk])).status_code == 404
    assert client.post(reverse("tasks:claim", args=[world["project"].pk])).status_code == 404
    neighbour = member(world["coop"]).user
    client.force_login(neighbour)
    assert client.get(reverse("tasks:assignment", args=[a.pk])).status_code == 404
    assert client.post(reverse("tasks:assignment", args=[a.pk]), {"action": "return"}).status_code == 404
    assert client.get(reverse("tasks:requester_assignment", args=[a.pk])).status_code == 404
    assert Assignment.objects.get(pk=a.pk).status == "claimed"
    client.logout()
    assert client.get(reverse("tasks:feed")).status_code == 302
