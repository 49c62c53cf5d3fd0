"""Amounts in a member's local currency beside the federation's (issue 23): at the operator's
rate, with the rate and its date shown; statements stay in the federation's currency."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.services import profile_update
from coop.core import money
from ledger import services
from tests.factories import CoopFactory, funded_organisation, member, operator, project_stub

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker():
    coop = CoopFactory()
    worker = member(coop).user
    org = funded_organisation(500_000, operator=operator())
    project = project_stub(coop, org)
    services.escrow_hold(project=project, amount=100_000, key="p:hold")
    services.escrow_release(project=project, user=worker, reward=2_500, fee_coop=0, fee_federation=0, fee_juror=0,
                            key="a:1:release")
    return worker


def test_convert_rounds_half_to_even_into_the_target_minor_units():
    assert money.convert(2_500, "4600", "MGA") == 115_000  # $25.00 -> 115 000 Ar (no minor unit)
    assert money.convert(1, "4600.5", "MGA") == 46  # $0.01 -> 46.005 Ar -> 46
    assert money.convert(150, "0.92", "EUR") == 138  # $1.50 -> 1.38 €
    assert money.convert(5, "0.9", "EUR") == 4  # 4.5 cents -> 4 (half to even)


def test_a_member_who_chose_ariary_sees_both_amounts_and_the_rate(client, worker):
    services.exchange_rate_set(actor=None, currency="MGA", rate="4600", date=date(2026, 12, 1))
    profile_update(user=worker, display_currency="MGA")
    client.force_login(worker)
    body = client.get(reverse("ledger:wallet"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "$25.00 (≈\u00a0115,000 MGA)" in body  # the balance
    assert 'id="rate-note"' in body and "1 USD = 4,600 MGA" in body and "Dec. 1, 2026" in body
    statement = body.split(">Statement</h2>")[1].split("</table>")[0]
    assert "$25.00" in statement
    assert "≈" not in statement  # the statement keeps the federation's currency alone
    french = client.get(reverse("ledger:wallet"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "25,00\u00a0$ (≈\u00a0115\u202f000\u00a0MGA)" in french
    malagasy = client.get(reverse("ledger:wallet"), HTTP_ACCEPT_LANGUAGE="mg").content.decode()
    assert "115" in malagasy and "Ar" in malagasy  # Babel's CLDR pattern for the ariary in Malagasy


def test_no_currency_chosen_or_no_rate_set_shows_the_federation_currency_alone(client, worker):
    client.force_login(worker)
    plain = client.get(reverse("ledger:wallet"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "$25.00" in plain and "≈" not in plain and "rate-note" not in plain
    with CaptureQueriesContext(connection) as without:
        client.get(reverse("ledger:wallet"))
    profile_update(user=worker, display_currency="NGN")  # no NGN rate yet
    with CaptureQueriesContext(connection) as chosen:
        page = client.get(reverse("ledger:wallet")).content.decode()
    assert "≈" not in page and "rate-note" not in page
    assert len(chosen) == len(without) + 1  # the one read of the rate, once for the whole page


def test_the_rate_is_read_once_whatever_the_number_of_amounts(client, worker):
    services.exchange_rate_set(actor=None, currency="NGN", rate="1550")
    profile_update(user=worker, display_currency="NGN")
    client.force_login(worker)
    with CaptureQueriesContext(connection) as queries:
        body = client.get(reverse("ledger:wallet")).content.decode()
    assert body.count("≈") >= 2
    assert sum("ledger_exchangerate" in q["sql"] for q in queries.captured_queries) == 1


def test_the_context_is_reset_after_the_request(client, worker):
    profile_update(user=worker, display_currency="MGA")
    client.force_login(worker)
    client.get(reverse("ledger:wallet"))
    assert money.display_rate.get() is None and money.format_local(100) == ""
