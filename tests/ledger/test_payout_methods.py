"""Payout rails (issue 23): each method's fields, checked with phonenumbers and python-stdnum
against numbers and IBANs of published examples; per-field errors in pages and the API."""

import pytest
from django.urls import reverse

from coop.core.errors import DomainError
from ledger import selectors, services
from ledger.models import Payout
from ledger.payout_methods import METHODS, destination_clean
from tests.factories import CoopFactory, funded_organisation, member, operator, project_stub

RAILS = ["mvola", "orange_money_mg", "airtel_money_mg", "bank_transfer", "cash_pickup", "mpesa", "pago_movil"]


def errors_of(method, destination):
    with pytest.raises(DomainError) as caught:
        destination_clean(method=method, destination=destination)
    assert caught.value.code == "invalid_destination"
    return caught.value.extra["fields"]


@pytest.mark.parametrize(("method", "destination", "line"), [
    ("mvola", {"phone": "034 20 000 01", "holder": "Fara"}, "MVola (Madagascar) · +261 34 20 000 01 · Fara"),
    ("orange_money_mg", {"phone": "+261 32 11 222 33", "holder": "Lova"}, "+261 32 11 222 33"),
    ("airtel_money_mg", {"phone": "0331122233", "holder": "Lova"}, "+261 33 11 222 33"),
    ("mpesa", {"phone": "0712 345 678", "holder": "Wanjiru"}, "M-Pesa (Kenya) · +254 712 345678 · Wanjiru"),
    ("opay", {"phone": "0803 123 4567", "holder": "Amaka"}, "+234 803 123 4567"),
    ("wave", {"phone": "+221 77 123 45 67", "holder": "Awa"}, "+221 77 123 45 67"),
    ("pago_movil", {"phone": "0412 123 4567", "cedula": "v12.345.678", "bank_code": "0102"},
     "Pago Móvil (Venezuela) · +58 412-1234567 · V-12345678 · 0102"),
    # the IBAN examples of the IBAN registry (SWIFT) and of the European Committee for Banking Standards
    ("bank_transfer", {"holder": "Jean", "account": "gb82 west 1234 5698 7654 32"}, "GB82 WEST 1234 5698 7654 32"),
    ("bank_transfer", {"holder": "Jean", "account": "FR1420041010050500013M02606", "bank": "La Banque Postale"},
     "FR14 2004 1010 0505 0001 3M02 606 · La Banque Postale"),
    ("bank_transfer", {"holder": "Chidi", "account": "0123456789", "bank": "GTBank"}, "0123456789 · GTBank"),
    ("cash_pickup", {"holder": "Soa", "id_number": "101 201 301 401", "city": "Antsirabe"}, "101201301401 · Antsirabe"),
])
def test_destination_clean_accepts_each_rail_and_writes_one_line(method, destination, line):
    assert line in destination_clean(method=method, destination=destination)


def test_destination_clean_refuses_each_wrong_field_by_name():
    assert set(errors_of("mvola", {"phone": "032 11 222 33", "holder": ""})) == {"phone", "holder"}  # Orange's prefix
    assert "034 / 038" in errors_of("mvola", {"phone": "032 11 222 33", "holder": "x"})["phone"]
    assert set(errors_of("mpesa", {"phone": "+261 34 20 000 01", "holder": "x"})) == {"phone"}  # not Kenyan
    assert set(errors_of("mpesa", {"phone": "020 2222222", "holder": "x"})) == {"phone"}  # a Nairobi landline
    assert set(errors_of("mpesa", {"phone": "hello", "holder": "x"})) == {"phone"}
    wrong_iban = errors_of("bank_transfer", {"holder": "x", "account": "GB82 WEST 1234 5698 7654 33"})
    assert set(wrong_iban) == {"account"} and "checksum" in wrong_iban["account"]
    assert set(errors_of("bank_transfer", {"holder": "x", "account": "12"})) == {"account"}
    assert set(errors_of("pago_movil", {"phone": "0412 123 4567", "cedula": "12345678", "bank_code": "102"})) == {
        "cedula", "bank_code"}
    assert set(errors_of("cash_pickup", {"holder": "x", "id_number": "#!", "city": "y" * 81})) == {"id_number", "city"}
    assert set(errors_of("mvola", {"phone": "034 20 000 01", "holder": "x", "iban": "GB82"})) == {"iban"}


def test_every_method_the_rulebook_offers_has_its_fields_and_a_label():
    from coop.federation.labels import CHOICE_LABELS
    from coop.federation.rulebook import PAYOUT_METHODS

    assert set(METHODS) == set(PAYOUT_METHODS)
    assert all(code in CHOICE_LABELS for code in PAYOUT_METHODS)


@pytest.fixture
def worker(db):
    coop = CoopFactory(params={"payout_methods": RAILS})
    worker = member(coop).user
    org = funded_organisation(500_000, operator=operator())
    project = project_stub(coop, org)
    services.escrow_hold(project=project, amount=100_000, key="p:hold")
    services.escrow_release(project=project, user=worker, reward=20_000, fee_coop=0, fee_federation=0,
                            fee_juror=0, key="a:1:release")
    return worker


def test_payout_request_stores_the_checked_line(worker):
    payout = services.payout_request(user=worker, amount=1_000, method="mvola",
                                     destination={"phone": "0342000001", "holder": "Fara Andriamanana"})
    assert payout.details == "MVola (Madagascar) · +261 34 20 000 01 · Fara Andriamanana"


def test_a_local_rail_needs_its_fields_and_nothing_moves(worker):
    with pytest.raises(DomainError) as caught:
        services.payout_request(user=worker, amount=1_000, method="mvola", details="+261 34 20 000 01")
    assert set(caught.value.extra["fields"]) == {"phone", "holder"}
    assert not Payout.objects.exists() and selectors.wallet_balance(user=worker) == 20_000


def test_the_wallet_page_puts_each_error_under_its_field_and_keeps_the_input(client, worker):
    client.force_login(worker)
    page = client.get(reverse("ledger:wallet")).content.decode()
    assert 'data-methods="mvola orange_money_mg airtel_money_mg mpesa pago_movil"' in page
    assert "js/payout_fields.js" in page
    response = client.post(reverse("ledger:wallet"), {"amount": "5", "method": "mvola", "dest_phone": "0321122233",
                                                      "dest_holder": "", "nonce": "n1"})
    assert response.status_code == 200
    form = response.context["form"]
    assert "034 / 038" in form.errors["dest_phone"][0] and form.errors["dest_holder"]
    assert form.data["dest_phone"] == "0321122233"
    assert not Payout.objects.exists()
    ok = client.post(reverse("ledger:wallet"), {"amount": "5", "method": "bank_transfer", "nonce": "n2",
                                                "dest_holder": "Fara", "dest_account": "GB82WEST12345698765432",
                                                "dest_phone": "ignored: not this method's field"})
    assert ok.status_code == 302
    assert Payout.objects.get().details == "Bank transfer · Fara · GB82 WEST 1234 5698 7654 32"


def test_the_api_answers_per_field_errors(client, worker):
    client.force_login(worker)
    url = reverse("ledger-api:payouts")
    bad = client.post(url, {"amount": 500, "method": "pago_movil",
                            "destination": {"phone": "0412 123 4567", "cedula": "X1", "bank_code": "0102"}},
                      content_type="application/json")
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_destination" and set(bad.json()["extra"]["fields"]) == {"cedula"}
    good = client.post(url, {"amount": 500, "method": "pago_movil",
                             "destination": {"phone": "0412 123 4567", "cedula": "E-87654321", "bank_code": "0102"}},
                       content_type="application/json")
    assert good.status_code == 201 and "E-87654321" in good.json()["details"]
