"""Ledger API: status, body shape, one error each; list endpoints pin their query count;
the Idempotency-Key header replays the first response and refuses another body."""

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import OrganisationStaff
from coop.core.models import IdempotencyRecord
from ledger import selectors, services
from ledger.models import Payout, Transaction
from tests.factories import CoopFactory, funded_organisation, member, operator, project_stub

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def setup():
    op = operator()
    coop = CoopFactory()
    worker = member(coop).user
    org = funded_organisation(500_000, operator=op)
    project = project_stub(coop, org)
    services.escrow_hold(project=project, amount=300_000, key="p:hold")
    for i in range(3):
        services.escrow_release(project=project, user=worker, reward=20_000, fee_coop=0, fee_federation=0,
                                fee_juror=0, key=f"assignment:{i}:release")
    return {"op": op, "worker": worker, "org": org, "project": project}


def test_wallet_api(api, setup):
    api.force_authenticate(setup["worker"])
    body = api.get(reverse("ledger-api:wallet")).json()
    assert body == {"currency": "USD", "balance": 60_000, "held": 0, "held_lines": []}


def test_wallet_api_refuses_anonymous(api):
    response = api.get(reverse("ledger-api:wallet"))
    assert response.status_code == 403 and set(response.json()) == {"code", "message", "extra"}


def test_wallet_statement_api_pins_queries(api, setup, django_assert_num_queries):
    api.force_authenticate(setup["worker"])
    with django_assert_num_queries(1):
        body = api.get(reverse("ledger-api:wallet_statement")).json()
    assert [line["balance_after"] for line in body["results"]] == [60_000, 40_000, 20_000]
    assert set(body["results"][0]) == {"id", "transaction", "kind", "memo", "amount", "balance_after", "created_at"}
    bad = api.get(reverse("ledger-api:wallet_statement"), {"month": "May"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"


def test_payout_api_with_idempotency_key(api, setup):
    api.force_authenticate(setup["worker"])
    url = reverse("ledger-api:payouts")
    data = {"amount": 1_000, "method": "mobile_money", "details": "+261"}
    first = api.post(url, data, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post(url, data, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again["Idempotent-Replayed"] == "true"
    assert Payout.objects.count() == 1 and selectors.wallet_balance(user=setup["worker"]) == 59_000
    other = api.post(url, {**data, "amount": 2_000}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    assert Payout.objects.count() == 1
    listed = api.get(url).json()
    assert listed[0]["amount"] == 1_000 and listed[0]["status"] == "requested"


def test_payout_api_overdraft_is_not_remembered(api, setup):
    api.force_authenticate(setup["worker"])
    url = reverse("ledger-api:payouts")
    response = api.post(url, {"amount": 99_000, "method": "mobile_money"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 400 and response.json()["code"] == "insufficient_funds"
    assert not IdempotencyRecord.objects.exists()


def test_requester_balance_api(api, setup):
    staff = member(CoopFactory()).user
    api.force_authenticate(staff)
    assert api.get(reverse("ledger-api:requester_balance")).status_code == 403
    OrganisationStaff.objects.create(organisation=setup["org"], user=staff)
    body = api.get(reverse("ledger-api:requester_balance")).json()
    assert body == {"organisation": setup["org"].pk, "currency": "USD", "balance": 200_000,
                    "escrow_total": 240_000, "escrow": [{"project": setup["project"].pk, "amount": 240_000}]}


def test_requester_statement_api_pins_queries(api, setup, django_assert_num_queries):
    staff = member(CoopFactory()).user
    OrganisationStaff.objects.create(organisation=setup["org"], user=staff)
    for n in range(3):
        services.deposit_record(operator=setup["op"], organisation=setup["org"], amount=100, reference=f"x{n}")
    api.force_authenticate(staff)
    with django_assert_num_queries(2):  # the organisation, the lines
        body = api.get(reverse("ledger-api:requester_statement")).json()
    assert [line["kind"] for line in body["results"]] == ["deposit", "deposit", "deposit", "escrow_hold", "deposit"]


def test_deposit_api_for_the_operator_only(api, setup):
    url = reverse("ledger-api:deposits")
    data = {"organisation": setup["org"].pk, "amount": 5_000, "reference": "WIRE-9"}
    api.force_authenticate(setup["worker"])
    assert api.post(url, data, format="json").json()["code"] == "operator_only"
    api.force_authenticate(setup["op"])
    response = api.post(url, data, format="json", HTTP_IDEMPOTENCY_KEY="dep-1")
    assert response.status_code == 201
    assert response.json()["balance"] == 205_000
    replay = api.post(url, data, format="json", HTTP_IDEMPOTENCY_KEY="dep-1")
    assert replay.json() == response.json()
    assert Transaction.objects.filter(kind="deposit").count() == 2
    assert IdempotencyRecord.objects.get().scope == f"org:{setup['org'].pk}"


def test_schema_builds_with_the_ledger_endpoints_and_the_one_error_shape(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert {"/api/ledger/wallet/", "/api/ledger/payouts/", "/api/ledger/deposits/"} <= set(schema["paths"])
    deposit = schema["paths"]["/api/ledger/deposits/"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in deposit["parameters"]}
    assert set(schema["components"]["schemas"]["Error"]["required"]) == {"code", "message", "extra"}
    assert deposit["responses"]["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
