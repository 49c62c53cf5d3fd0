"""Amounts in the reader's local currency too (issue 23, docs/languages-and-money.md).

For a signed-in person whose profile names a display currency, the `money` template filter
adds the amount converted at the operator's rate in force (`coop.core.money.format_local`).
The rate is read lazily, once per request and only if a page shows an amount; a person
without a display currency costs nothing. The profile was read by TimezoneMiddleware."""

from coop.core import money
from ledger.selectors import exchange_rate_in_force


def rate_load(currency):
    """`(currency, rate, date)` of the rate in force, or None (one query)."""
    row = exchange_rate_in_force(currency=currency)
    return (currency, row.rate, row.date) if row is not None else None


class LocalMoneyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        currency = ""
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            profile = getattr(user, "profile", None)
            currency = profile.display_currency if profile else ""
        display = money.DisplayRate(lambda: rate_load(currency)) if currency else None
        token = money.display_rate.set(display)
        try:
            return self.get_response(request)
        finally:
            money.display_rate.reset(token)
