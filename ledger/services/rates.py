"""The operator's exchange rates for showing amounts in a member's local currency (issue 23,
docs/languages-and-money.md). Display only: no money moves and the ledger stays in the
federation's currency. No rate is ever fetched from the network: the operator sets it, from
the operator's ledger page or `manage.py exchange_rate_set`."""

from datetime import date as date_type
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from coop.core.errors import DomainError
from coop.core.money import LOCAL_CURRENCIES
from coop.eventlog.services import event_record
from ledger.models import ExchangeRate

MAX_RATE = Decimal("100000000000000")  # 10**14 fits max_digits=20, decimal_places=6


def rate_parse(text: str | Decimal) -> Decimal:
    """'4 612,5' or '4612.5' -> Decimal('4612.5'); refuses anything but a positive number."""
    raw = str(text).strip().replace("\u202f", "").replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        value = Decimal(raw)
    except (InvalidOperation, ValueError):
        raise DomainError("invalid_rate", _("'%(text)s' is not a rate.") % {"text": text}, {"field": "rate"})
    if not value.is_finite() or value <= 0 or value >= MAX_RATE:
        raise DomainError("invalid_rate", _("A rate is a positive number below 10^14."), {"field": "rate"})
    if value != value.quantize(Decimal("0.000001")):
        raise DomainError("invalid_rate", _("A rate has at most six decimals."), {"field": "rate"})
    return value


@transaction.atomic
def exchange_rate_set(*, actor: User | None, currency: str, rate: str | Decimal,
                      date: date_type | None = None) -> ExchangeRate:
    """Record the rate of `currency` (one of `LOCAL_CURRENCIES`) as of `date` (today by default,
    never in the future). A new row: earlier rates stay for the record. May nest."""
    currency = (currency or "").strip().upper()
    if currency not in LOCAL_CURRENCIES:
        raise DomainError("invalid_currency", _("Choose one of the local currencies: %(codes)s.")
                          % {"codes": ", ".join(LOCAL_CURRENCIES)}, {"field": "currency"})
    value = rate_parse(rate)
    today = timezone.localdate()
    date = date or today
    if date > today:
        raise DomainError("invalid_date", _("A rate's date cannot be in the future."), {"field": "date"})
    row = ExchangeRate.objects.create(currency=currency, rate=value, date=date, set_by=actor)
    event_record(type="exchange_rate.set", actor=actor, subject=row,
                 payload={"currency": currency, "rate": str(value), "date": date.isoformat()})
    return row
