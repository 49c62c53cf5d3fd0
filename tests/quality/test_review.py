"""Review assistance: the table sorted and filtered by agreement and gold accuracy, and
"approve all with agreement at least X": the count first, then the approvals through the
marketplace's approve path, once (sending the confirmation again approves nothing twice)."""

import pytest
from django.test import Client
from django.urls import reverse

from coop.eventlog.models import Event
from ledger.selectors import wallet_balance
from tasks.models import Assignment
from tasks.quality.selectors import approvable_by_agreement
from tasks.quality.services import aggregation_request, gold_set
from tasks.services import assignment_claim, assignment_submit
from tests.factories import CoopFactory, member, published_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed(django_capture_on_commit_callbacks):
    coop = CoopFactory()
    project = published_project(coop, tasks=2, reward=100, estimated_minutes=2, assignments_per_task=3)
    owner = project.organisation.owner
    first_task = project.tasks.order_by("pk").first()
    gold_set(actor=owner, task=first_task, expected={"label": "yes"}, explanation="Whiskers and pointed ears: a cat.")
    workers = [member(coop).user for _ in range(3)]
    labels = [("yes", "no"), ("yes", "no"), ("no", "no")]  # the third member is out of step on task 1
    for worker, (one, two) in zip(workers, labels, strict=True):
        for _ in range(2):
            a = assignment_claim(member=worker, project=project)
            label = one if a.task_id == first_task.pk else two
            assignment_submit(member=worker, assignment=a, answers={"label": label})
    with django_capture_on_commit_callbacks(execute=True):
        aggregation_request(actor=owner, project=project, method="majority_vote")
    return project, owner, workers


def test_count_then_approve_once(reviewed):
    project, owner, workers = reviewed
    items = approvable_by_agreement(project=project, threshold=1.0)
    assert len(items) == 5  # six answers, one disagrees with the majority
    client = Client()
    client.force_login(owner)
    asked = client.post(reverse("quality:review", args=[project.pk]), {"threshold": "1"})
    html = asked.content.decode()
    assert "Approve 5 submissions with agreement of at least 1.00?" in html
    assert Assignment.objects.filter(status=Assignment.Status.APPROVED).count() == 0  # nothing yet
    ids = [str(a.pk) for a, _value in items]
    done = client.post(reverse("quality:review", args=[project.pk]), {"confirm": "1", "ids": ids})
    assert done.status_code == 302
    assert Assignment.objects.filter(status=Assignment.Status.APPROVED).count() == 5
    paid = wallet_balance(user=workers[0])
    again = client.post(reverse("quality:review", args=[project.pk]), {"confirm": "1", "ids": ids})
    assert again.status_code == 302
    assert Assignment.objects.filter(status=Assignment.Status.APPROVED).count() == 5
    assert wallet_balance(user=workers[0]) == paid
    assert Event.objects.filter(type="assignment.approved").count() == 5
    left = Assignment.objects.get(status=Assignment.Status.SUBMITTED)
    assert left.member_id == workers[2].pk


def test_table_sorts_and_filters_by_agreement_and_gold(reviewed):
    project, owner, workers = reviewed
    client = Client()
    client.force_login(owner)
    page = client.get(reverse("quality:review", args=[project.pk]), {"sort": "agreement"})
    rows = page.context["rows"]
    assert len(rows) == 6 and rows[0]["agreement"] == 0 and rows[-1]["agreement"] == 1
    filtered = client.get(reverse("quality:review", args=[project.pk]), {"min_agreement": "1"}).context["rows"]
    assert len(filtered) == 5
    by_gold = client.get(reverse("quality:review", args=[project.pk]), {"sort": "gold"}).context["rows"]
    assert by_gold[0]["gold"] == 0 and by_gold[0]["assignment"].member_id == workers[2].pk
    good = client.get(reverse("quality:review", args=[project.pk]), {"min_gold": "100"}).context["rows"]
    assert {r["assignment"].member_id for r in good} == {workers[0].pk, workers[1].pk}
    french = client.get(reverse("quality:review", args=[project.pk]), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Revue avec l&#x27;accord" in french or "Revue avec l'accord" in french
