"""Publishing asks first (issue 16, point 8): the confirmation shows the total cost, the fees
and their shares, the balance before and after and the hourly rate members will see, computed
as publishing fixes them; nothing moves without the confirmation. The draft form shows the same
figures, refreshed as they are typed."""

import pytest
from django.urls import reverse
from django.utils import translation

from ledger.selectors import escrow_balance, requester_balance
from ledger.services import deposit_record
from tasks.fees import batch_fees
from tasks.models import Project
from tasks.services import project_create, tasks_add
from tests.factories import CoopFactory, operator, organisation, project_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    """7 tasks × 2 assignments at 0.30 for a minute's work, and 100.00 on the balance. The fee is
    5% of 4.20 = 0.21: juror fund 10% (0.021), federation 20% (0.042), coop 70% (0.147); rounded
    down 2 + 4 + 14 = 20, and the cent left goes to the largest remainder, the coop's: 15."""
    coop = CoopFactory()
    org = organisation()
    deposit_record(operator=operator(), organisation=org, amount=10_000, reference="wire")
    project = project_create(actor=org.owner, organisation=org, coop=coop,
                             **project_fields(title="Receipts", reward=30, estimated_minutes=1, assignments_per_task=2))
    tasks_add(actor=org.owner, project=project, rows=[{"image_url": f"https://img.example/{i}.jpg"} for i in range(7)])
    project.organisation = org
    return project


def _text(response, element_id):
    body = response.content.decode()
    start = body.index(f'id="{element_id}"')
    return body[start:body.index("</dd>", start) if "</dd>" in body[start:] else None]


def test_the_confirmation_shows_the_cost_fees_balance_and_hourly_rate(client, draft):
    fees = batch_fees(reward=30, slots=14, rulebook={"platform_fee_bps": 500, "federation_share_bps": 2000,
                                                     "juror_fund_bps": 1000})
    assert (fees.total, fees.fee_coop, fees.fee_federation, fees.fee_juror) == (21, 15, 4, 2)  # as publishing fixes
    client.force_login(draft.organisation.owner)
    response = client.get(reverse("tasks:requester_publish", args=[draft.pk]))
    assert response.status_code == 200
    assert "$18.00 per hour" in _text(response, "cost-hourly") and "$12.00" in _text(response, "cost-hourly")
    assert "14 assignments × $0.30 = $4.20" in _text(response, "cost-pay")
    assert "$0.21" in _text(response, "cost-fees")
    assert "$0.15" in _text(response, "cost-fee-coop") and "(70%)" in _text(response, "cost-fee-coop")
    assert "$0.04" in _text(response, "cost-fee-federation") and "(20%)" in _text(response, "cost-fee-federation")
    assert "$0.02" in _text(response, "cost-fee-juror_fund") and "(10%)" in _text(response, "cost-fee-juror_fund")
    assert "$4.41" in _text(response, "cost-total")
    assert "$100.00 now, $95.59 after publishing" in _text(response, "cost-balance")
    assert 'name="confirm_total" value="441"' in response.content.decode()
    with translation.override("fr"):
        client.cookies["django_language"] = "fr"
        french = client.get(reverse("tasks:requester_publish", args=[draft.pk]), HTTP_ACCEPT_LANGUAGE="fr")
    assert "4,41" in _text(french, "cost-total") and "95,59" in _text(french, "cost-balance")

    # confirmed: exactly those figures move
    response = client.post(reverse("tasks:requester_publish", args=[draft.pk]), {"confirm_total": "441"})
    assert response.url == reverse("tasks:requester_project", args=[draft.pk])
    draft.refresh_from_db()
    assert draft.status == Project.Status.OPEN
    assert (draft.fee_coop, draft.fee_federation, draft.fee_juror) == (15, 4, 2)
    assert requester_balance(organisation=draft.organisation) == 9_559 and escrow_balance(project=draft) == 441


def test_publishing_without_confirming_moves_no_money(client, draft):
    client.force_login(draft.organisation.owner)
    # the one-tap POST that used to publish (same address) now comes back to the confirmation
    response = client.post(reverse("tasks:requester_publish", args=[draft.pk]))
    assert response.status_code == 302 and response.url == reverse("tasks:requester_publish", args=[draft.pk])
    # figures that changed since the page was shown (a task added) are shown again, not paid
    tasks_add(actor=draft.organisation.owner, project=draft, rows=[{"image_url": "https://img.example/x.jpg"}])
    response = client.post(reverse("tasks:requester_publish", args=[draft.pk]), {"confirm_total": "441"})
    assert response.status_code == 200 and 'name="confirm_total" value="504"' in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Project.Status.DRAFT and not draft.slots.exists()
    assert requester_balance(organisation=draft.organisation) == 10_000 and escrow_balance(project=draft) == 0


def test_the_confirmation_offers_no_button_when_the_balance_is_short(client):
    coop = CoopFactory()
    org = organisation()
    deposit_record(operator=operator(), organisation=org, amount=100, reference="wire")
    project = project_create(actor=org.owner, organisation=org, coop=coop, **project_fields(reward=50))
    tasks_add(actor=org.owner, project=project, rows=[{"image_url": "https://img.example/1.jpg"}] * 3)
    client.force_login(org.owner)
    response = client.get(reverse("tasks:requester_publish", args=[project.pk]))
    body = response.content.decode()
    assert 'name="confirm_total"' not in body and "short by $0.57" in body  # 1.50 + 0.07 of fees - 1.00


def test_the_draft_form_shows_the_cost_and_refreshes_it_from_what_is_typed(client, draft):
    client.force_login(draft.organisation.owner)
    edit = client.get(reverse("tasks:requester_project_edit", args=[draft.pk]))
    assert "$4.41" in _text(edit, "cost-total") and 'id="preview-tasks"' in edit.content.decode()
    url = reverse("tasks:requester_cost")
    typed = client.get(url, {"org": draft.organisation_id, "coop": draft.coop_id, "reward": "0.60",
                             "estimated_minutes": "3", "assignments_per_task": "1", "tasks": "100"})
    # 100 × 0.60 = 60.00, fee 3.00 (coop 2.10, federation 0.60, juror fund 0.30), 12.00 per hour
    assert "$63.00" in _text(typed, "cost-total") and "$0.30" in _text(typed, "cost-fee-juror_fund")
    assert "$12.00 per hour" in _text(typed, "cost-hourly")
    assert "$37.00 after publishing" in _text(typed, "cost-balance")
    below = client.get(url, {"project": draft.pk, "reward": "0.10", "estimated_minutes": "3",
                             "assignments_per_task": "1", "tasks": "5"})
    assert "under the coop" in below.content.decode()
    for bad in ({"coop": draft.coop_id, "reward": "abc", "estimated_minutes": "3", "assignments_per_task": "1",
                 "tasks": "5"}, {"reward": "1", "estimated_minutes": "-3", "assignments_per_task": "x", "tasks": "1e9"},
                {}):
        response = client.get(url, {"org": draft.organisation_id, **bad})
        assert response.status_code == 200 and 'id="cost-total"' not in response.content.decode()


def test_the_cost_preview_is_for_the_callers_own_organisation(client, draft):
    stranger = organisation()
    client.force_login(stranger.owner)
    url = reverse("tasks:requester_cost")
    assert client.get(url, {"project": draft.pk, "reward": "1", "estimated_minutes": "1",
                            "assignments_per_task": "1", "tasks": "1"}).status_code == 404
    assert client.get(url, {"org": draft.organisation_id}).status_code == 404
    assert client.get(reverse("tasks:requester_publish", args=[draft.pk])).status_code == 404
