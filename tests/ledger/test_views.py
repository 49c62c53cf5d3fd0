"""Ledger pages: what each role sees and does; every write goes through a service."""

import pytest
from django.urls import reverse

from accounts.models import OrganisationStaff
from ledger import selectors, services
from ledger.models import Payout, Reconciliation, Transaction
from tests.factories import CoopFactory, funded_organisation, member, operator, project_stub, steward

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    op = operator()
    coop = CoopFactory()
    worker = member(coop).user
    org = funded_organisation(500_000, operator=op)
    project = project_stub(coop, org)
    services.escrow_hold(project=project, amount=300_000, key="p:hold")
    for i in range(3):
        services.escrow_release(project=project, user=worker, reward=20_000, fee_coop=500, fee_federation=200,
                                fee_juror=100, key=f"assignment:{i}:release")
    return {"op": op, "coop": coop, "worker": worker, "org": org, "project": project}


def test_wallet_shows_balance_statement_and_held_amounts(client, setup, django_assert_max_num_queries, monkeypatch):
    from ledger import selectors as ledger_selectors

    monkeypatch.setattr(ledger_selectors, "_held_sources", [])  # only this test's source (not the marketplace's)
    from ledger.selectors import _held_sources, register_held_source

    def held_source(*, user):
        return [{"label": "Assignment 9 (awaiting review)", "amount": 1_234, "link": ""}]

    register_held_source(held_source)
    try:
        client.force_login(setup["worker"])
        with django_assert_max_num_queries(15):  # + what the lines paid for (one query per source)
            response = client.get(reverse("ledger:wallet"))
    finally:
        _held_sources.remove(held_source)
    body = response.content.decode()
    assert response.status_code == 200
    assert "$600.00" in body  # balance
    assert "$12.34" in body and "Assignment 9" in body  # held
    assert body.count("Payment for approved work") == 3  # statement lines
    assert "$400.00" in body  # running balance after the second release


def test_wallet_statement_query_count_does_not_grow_with_rows(client, setup, django_assert_num_queries):
    client.force_login(setup["worker"])
    client.get(reverse("ledger:wallet"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as three:
        client.get(reverse("ledger:wallet"))
    services.escrow_release(project=setup["project"], user=setup["worker"], reward=1, fee_coop=0,
                            fee_federation=0, fee_juror=0, key="assignment:99:release")
    with django_assert_num_queries(len(three)):
        client.get(reverse("ledger:wallet"))


def test_wallet_csv_export_filters_by_month(client, setup):
    client.force_login(setup["worker"])
    month = Transaction.objects.latest("pk").created_at.strftime("%Y-%m")
    response = client.get(reverse("ledger:wallet_csv"), {"month": month})
    lines = response.content.decode().strip().splitlines()
    assert response["Content-Type"].startswith("text/csv")
    assert lines[0] == '"date","transaction","kind","memo","amount","balance","currency"'  # coop.core.csv
    assert len(lines) == 4 and lines[1].endswith(',"200.00","600.00","USD"')
    empty = client.get(reverse("ledger:wallet_csv"), {"month": "1999-01"}).content.decode().strip().splitlines()
    assert len(empty) == 1


def test_wallet_payout_request_through_the_page(client, setup):
    client.force_login(setup["worker"])
    page = client.get(reverse("ledger:wallet"))
    nonce = page.context["form"].initial["nonce"]
    data = {"amount": "25.00", "method": "mobile_money", "dest_phone": "+261 34 20 000 01", "dest_holder": "Fara",
            "dest_provider": "MVola", "nonce": nonce}
    assert client.post(reverse("ledger:wallet"), data).status_code == 302
    client.post(reverse("ledger:wallet"), data)  # double submit
    assert Payout.objects.get().amount == 2_500
    assert Payout.objects.get().details == "Mobile money · +261 34 20 000 01 · Fara · MVola"
    assert selectors.wallet_balance(user=setup["worker"]) == 57_500


def test_wallet_payout_overdraft_shows_the_error_and_keeps_the_input(client, setup):
    client.force_login(setup["worker"])
    response = client.post(reverse("ledger:wallet"), {"amount": "9999", "method": "bank_transfer", "nonce": "n1",
                                                      "dest_holder": "Fara", "dest_account": "0123456789"})
    assert response.status_code == 200
    assert "not enough money" in response.content.decode()
    assert response.context["form"].data["amount"] == "9999"
    assert not Payout.objects.exists()


def test_requester_money_page_for_its_staff_only(client, setup):
    staff = member(CoopFactory()).user
    client.force_login(staff)
    url = reverse("ledger:requester", args=[setup["org"].pk])
    assert client.get(url).status_code == 403
    OrganisationStaff.objects.create(organisation=setup["org"], user=staff)
    body = client.get(url).content.decode()
    assert "$2,000.00" in body  # balance after the hold
    assert f"#{setup['project'].pk}" in body and "$2,376.00" in body  # escrow left
    csv_lines = client.get(reverse("ledger:requester_csv", args=[setup["org"].pk])).content.decode().splitlines()
    assert len(csv_lines) == 3  # header, deposit, hold


def test_steward_settles_and_fails_payouts_of_their_coop(client, setup):
    boss = steward(setup["coop"]).user
    first = services.payout_request(user=setup["worker"], amount=1_000, method="mobile_money")
    second = services.payout_request(user=setup["worker"], amount=2_000, method="mobile_money")
    client.force_login(boss)
    page = client.get(reverse("ledger:steward_payouts")).content.decode()
    assert "$10.00" in page and "$20.00" in page
    client.post(reverse("ledger:payout_settle", args=[first.pk]), {"reference": "MM-1"})
    client.post(reverse("ledger:payout_fail", args=[second.pk]), {"reason": "Wrong number"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("settled", "failed")


def test_steward_of_another_coop_cannot_touch_a_payout(client, setup):
    payout = services.payout_request(user=setup["worker"], amount=1_000, method="mobile_money")
    client.force_login(steward(CoopFactory()).user)
    response = client.post(reverse("ledger:payout_settle", args=[payout.pk]), {"reference": "MM-1"})
    assert response.status_code == 404
    payout.refresh_from_db()
    assert payout.status == "requested"


def test_operator_records_a_deposit_and_reconciles(client, setup, monkeypatch):
    from ledger import selectors as ledger_selectors

    # the setup's escrow belongs to a stub project the marketplace's obligations cannot know
    monkeypatch.setattr(ledger_selectors, "_obligation_sources", [])
    client.force_login(setup["op"])
    url = reverse("ledger:operator")
    response = client.post(url, {"deposit-organisation": setup["org"].pk, "deposit-amount": "100",
                                 "deposit-reference": "WIRE-77"})
    assert response.status_code == 302
    assert selectors.requester_balance(organisation=setup["org"]) == 210_000
    client.post(url, {"reconcile": "1"})
    assert Reconciliation.objects.get().ok
    bad = client.post(url, {"deposit-organisation": setup["org"].pk, "deposit-amount": "-5",
                            "deposit-reference": "W"})
    assert bad.status_code == 200 and "positive amount" in bad.content.decode()


def test_operator_page_is_refused_to_members(client, setup):
    client.force_login(setup["worker"])
    assert client.get(reverse("ledger:operator")).status_code == 403
