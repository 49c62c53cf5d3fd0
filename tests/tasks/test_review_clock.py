"""Publishing and review (issue 16, point 8): the member sees when submitted work is paid
automatically, the requester's review queue counts down to it, and wallet and money lines
name the task and project they paid for."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tasks.models import Assignment
from tasks.services import assignment_approve, assignment_bonus, assignment_claim, assignment_submit
from tests.factories import CoopFactory, member, published_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(client):
    coop = CoopFactory()
    project = published_project(coop, tasks=2, title="Count the cats", reward=100, estimated_minutes=3,
                                auto_approval_hours=48)
    worker = member(coop).user
    assignment = assignment_submit(member=worker, assignment=assignment_claim(member=worker, project=project),
                                   answers={"label": "yes"})
    Assignment.objects.filter(pk=assignment.pk).update(submitted_at=timezone.now() - timedelta(hours=2))
    return {"project": project, "worker": worker, "owner": project.organisation.owner,
            "assignment": Assignment.objects.get(pk=assignment.pk)}


def test_submitted_work_says_when_it_is_paid_automatically(client, submitted):
    a = submitted["assignment"]
    assert a.auto_approve_at == a.submitted_at + timedelta(hours=48)
    client.force_login(submitted["worker"])
    page = client.get(reverse("tasks:mine")).content.decode()
    assert "Paid automatically" in page and "in 1\xa0day, 21\xa0hours" in page
    french = client.get(reverse("tasks:mine"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Payé automatiquement" in french and "dans 1\xa0jour, 21\xa0heures" in french


def test_the_review_queue_counts_down_to_the_oldest_automatic_approval(client, submitted):
    client.force_login(submitted["owner"])
    page = client.get(reverse("tasks:requester_queue") + f"?org={submitted['project'].organisation_id}")
    assert "The oldest is approved and paid automatically in 1\xa0day, 21\xa0hours." in page.content.decode()


def test_wallet_and_money_lines_name_the_task_and_project(client, submitted):
    a, owner = submitted["assignment"], submitted["owner"]
    assignment_approve(actor=owner, assignment=a)
    assignment_bonus(actor=owner, assignment=a, amount=50, reason="Careful work, thank you")
    client.force_login(submitted["worker"])
    wallet = client.get(reverse("ledger:wallet")).content.decode()
    label = f"Count the cats, task {a.task_id}"
    assert wallet.count(f'<a href="/work/assignments/{a.pk}/" translate="no">{label}</a>') == 2  # pay, bonus
    client.force_login(owner)
    money = client.get(reverse("ledger:requester", args=[a.project.organisation_id])).content.decode()
    assert f'<a href="/requester/assignments/{a.pk}/" translate="no">{label}</a>' in money
    assert f'<a href="/requester/projects/{a.project_id}/" translate="no">Count the cats</a>' in money  # escrow
