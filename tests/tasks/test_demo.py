import pytest
from django.core.management import call_command

from ledger.selectors import wallet_balance
from tasks.models import Assignment, Project

pytestmark = pytest.mark.django_db


def test_demo_has_open_flagged_and_draft_projects_with_work():
    call_command("seed_demo", "--quiet")
    projects = {p.title: p for p in Project.objects.filter(coop__slug="tana")}
    receipts = projects["Receipt totals from Antananarivo shops"]
    assert receipts.status == "open" and receipts.fair_share_cap and receipts.fair_share_until
    assert projects["Check identity document photos"].data_flags == ["faces_or_identity_documents"]
    assert projects["Malagasy voice notes"].status == "draft"
    assert Assignment.objects.filter(project=receipts, status="approved").count() == 2
    assert Assignment.objects.filter(project=receipts, status="submitted").count() == 2
    member = Assignment.objects.filter(status="approved").order_by("pk").first().member
    assert wallet_balance(user=member) >= receipts.reward
    counts = (Assignment.objects.count(), Project.objects.count())
    call_command("seed_demo", "--quiet")
    assert (Assignment.objects.count(), Project.objects.count()) == counts  # idempotent
    assert Project.objects.filter(coop__slug="tana").count() >= 3
