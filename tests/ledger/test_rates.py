"""The operator's exchange rates (issue 23): set by service, page or command, never fetched;
bad input refused with the database unchanged."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from coop.core.errors import DomainError
from coop.eventlog.models import Event
from ledger import selectors, services
from ledger.models import ExchangeRate
from tests.factories import operator

pytestmark = pytest.mark.django_db


def test_exchange_rate_set_records_the_rate_and_its_event():
    op = operator()
    row = services.exchange_rate_set(actor=op, currency="mga", rate="4 612,5", date=date(2026, 11, 30))
    assert (row.currency, row.rate, row.date, row.set_by) == ("MGA", Decimal("4612.5"), date(2026, 11, 30), op)
    event = Event.objects.get(type="exchange_rate.set")
    assert event.payload_json["currency"] == "MGA" and event.payload_json["rate"] == "4612.5"
    assert event.payload_json["date"] == "2026-11-30"


def test_the_rate_in_force_is_the_latest_by_date_then_by_id():
    services.exchange_rate_set(actor=None, currency="KES", rate="130", date=date(2026, 12, 1))
    services.exchange_rate_set(actor=None, currency="KES", rate="128", date=date(2026, 11, 1))  # a late entry
    assert selectors.exchange_rate_in_force(currency="KES").rate == Decimal("130")
    services.exchange_rate_set(actor=None, currency="KES", rate="131", date=date(2026, 12, 1))
    assert selectors.exchange_rate_in_force(currency="KES").rate == Decimal("131")
    assert selectors.exchange_rate_in_force(currency="NGN") is None


@pytest.mark.parametrize(("currency", "rate", "day", "code"), [
    ("USD", "1", None, "invalid_currency"),  # not a local currency
    ("MGA", "0", None, "invalid_rate"),
    ("MGA", "-4600", None, "invalid_rate"),
    ("MGA", "abc", None, "invalid_rate"),
    ("MGA", "NaN", None, "invalid_rate"),
    ("MGA", "1e20", None, "invalid_rate"),
    ("MGA", "4600.1234567", None, "invalid_rate"),
    ("MGA", "4600", timezone.localdate() + timedelta(days=1), "invalid_date"),
])
def test_exchange_rate_set_refuses_bad_input_and_changes_nothing(currency, rate, day, code):
    with pytest.raises(DomainError) as caught:
        services.exchange_rate_set(actor=None, currency=currency, rate=rate, date=day)
    assert caught.value.code == code
    assert not ExchangeRate.objects.exists() and not Event.objects.filter(type="exchange_rate.set").exists()


def test_the_operator_sets_a_rate_on_the_ledger_page(client):
    client.force_login(operator())
    url = reverse("ledger:operator")
    bad = client.post(url, {"rate-currency": "MGA", "rate-rate": "zero"})
    assert bad.status_code == 200 and bad.context["rate_form"].errors["rate"]
    assert not ExchangeRate.objects.exists()
    assert client.post(url, {"rate-currency": "MGA", "rate-rate": "4600", "rate-date": "2026-12-01"}).status_code == 302
    page = client.get(url).content.decode()
    assert "1 USD = 4600 MGA" in page
