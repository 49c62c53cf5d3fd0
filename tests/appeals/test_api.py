"""The appeals API (tasks/appeals/api.py): what requesters and jurors see and do, its errors
in the one shape, and the query count of the list."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.pseudonyms import worker_pseudonym
from tasks.appeals.services import appeal_file
from tasks.models import Project
from tasks.services import assignment_claim, assignment_reject, assignment_submit
from tests.appeals.conftest import EXPLANATION, REASON, STATEMENT

pytestmark = pytest.mark.django_db


def test_requester_api_sees_the_worker_pseudonym_only(client, drawn):
    appeal, owner, worker = drawn["appeal"], drawn["owner"], drawn["worker"]
    client.force_login(owner)
    body = client.get(f"/api/appeals/{appeal.pk}/").json()
    assert body["worker"] == worker_pseudonym(user=worker, organisation=appeal.organisation)
    assert worker.email not in str(body) and worker.profile.display_name not in str(body)
    answer = client.post(f"/api/appeals/{appeal.pk}/answer/", {"text": "short"}, content_type="application/json")
    assert answer.status_code == 400 and answer.json()["code"] == "answer_required"
    ok = client.post(f"/api/appeals/{appeal.pk}/answer/", {"text": "Every line had to be typed, blank or not."},
                     content_type="application/json")
    assert ok.status_code == 200 and ok.json()["requester_answer"].startswith("Every line")


def test_api_votes_and_errors(client, drawn):
    appeal = drawn["appeal"]
    client.force_login(drawn["members"][7] if drawn["members"][7].pk not in appeal.draw_order[:3]
                       else drawn["worker"])
    assert client.post(f"/api/appeals/{appeal.pk}/vote/", {"vote": "overturn", "reason": REASON},
                       content_type="application/json").status_code == 404
    client.force_login(drawn["jurors"][0])
    bad = client.post(f"/api/appeals/{appeal.pk}/vote/", {"vote": "maybe", "reason": REASON},
                      content_type="application/json")
    assert bad.status_code == 400 and set(bad.json()) == {"code", "message", "extra"}
    ok = client.post(f"/api/appeals/{appeal.pk}/vote/", {"vote": "uphold", "reason": REASON},
                     content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == "voted"
    again = client.post(f"/api/appeals/{appeal.pk}/vote/", {"vote": "uphold", "reason": REASON},
                        content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "already_voted"


def test_public_record_and_scorecard_api(client, case):
    slug = case["project"].organisation.slug
    page = client.get(reverse("appeals:record", args=[slug]))
    assert page.status_code == 200
    body = client.get(f"/api/requesters/{slug}/scorecard/").json()
    assert body["reviewed"] == 2 and body["rejected"] == 1 and body["members_paid"] == 1
    assert client.get("/api/requesters/nobody/scorecard/").status_code == 404


def test_appeal_list_reads_three_appeals_in_a_fixed_number_of_queries(client, case, django_assert_num_queries):
    project, owner, worker = case["project"], case["owner"], case["worker"]
    appeal_file(member=worker, assignment=case["rejected"], statement=STATEMENT)
    Project.objects.filter(pk=project.pk).update(fair_share_until=timezone.now())  # the fair-share window ended
    for _ in range(2):
        work = assignment_submit(member=worker, assignment=assignment_claim(member=worker, project=project),
                                 answers={"label": "no"})
        rejected = assignment_reject(actor=owner, assignment=work, reason="incomplete", explanation=EXPLANATION)
        appeal_file(member=worker, assignment=rejected, statement=STATEMENT)
    client.force_login(worker)
    client.get("/api/appeals/")  # the session and the user are read once before counting
    with django_assert_num_queries(3):  # one for the appeals and their projects, whatever their number
        body = client.get("/api/appeals/").json()
    assert len(body) == 3
    assert {row["status"] for row in body} == {"awaiting_draw"}
