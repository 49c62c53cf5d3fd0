"""Money is an integer number of minor units of the federation's one currency.

Parse and format only here (and through the `money` template filter)."""

import re
from contextvars import ContextVar
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, InvalidOperation

from babel.numbers import format_currency
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coop.core.errors import DomainError

# ISO 4217 minor-unit exponents for the currencies a federation is likely to use.
MINOR_UNITS = {"USD": 2, "EUR": 2, "GBP": 2, "MGA": 0, "NGN": 2, "ZAR": 2, "KES": 2, "PKR": 2, "XOF": 0, "JPY": 0,
               "VES": 2}
# The currencies a member may also see amounts in (issue 23): display only, at the operator's
# rate (ledger.ExchangeRate); the ledger stays in the federation's currency.
LOCAL_CURRENCIES = {
    "MGA": gettext_lazy("Malagasy ariary (MGA)"), "NGN": gettext_lazy("Nigerian naira (NGN)"),
    "KES": gettext_lazy("Kenyan shilling (KES)"), "VES": gettext_lazy("Venezuelan bolívar (VES)"),
    "EUR": gettext_lazy("Euro (EUR)"), "XOF": gettext_lazy("West African CFA franc (XOF)"),
}
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}
# Amounts must fit in an event payload (RFC 8785 integers: 2**53 - 1) and a BigIntegerField.
MAX_MINOR = 2**53 - 1
AMOUNT_RE = re.compile(r"[0-9]{1,20}(?:[.,][0-9]{1,20})?")


def currency():
    return settings.FEDERATION_CURRENCY


def exponent(code=None):
    return MINOR_UNITS.get(code or currency(), 2)


def parse_amount(text, code=None):
    """'12.50' -> 1250. Refuses negatives, NaN and more decimals than the currency has."""
    raw = str(text).strip()
    if raw.startswith("-"):
        raise DomainError("invalid_amount", _("'%(text)s' is not a positive amount.") % {"text": text})
    if not AMOUNT_RE.fullmatch(raw):  # plain digits and one decimal mark: no exponents, NaN or signs
        raise DomainError("invalid_amount", _("'%(text)s' is not an amount.") % {"text": text})
    try:
        value = Decimal(raw.replace(",", "."))
    except (InvalidOperation, ValueError):
        raise DomainError("invalid_amount", _("'%(text)s' is not an amount.") % {"text": text})
    scaled = value.scaleb(exponent(code))
    if scaled != scaled.to_integral_value(rounding=ROUND_DOWN):
        raise DomainError("invalid_amount", _("'%(text)s' has too many decimals.") % {"text": text})
    if scaled > MAX_MINOR:
        raise DomainError("invalid_amount", _("'%(text)s' is too large.") % {"text": text})
    return int(scaled)


def format_amount(minor, code=None, language=None):
    """1250 -> '$12.50' in English, '12,50 $' in French."""
    code = code or currency()
    exp = exponent(code)
    language = (language or translation.get_language() or "en")[:2]
    if language not in ("en", "fr"):  # Babel's CLDR patterns (Django has no money format for mg, sw)
        return format_currency(Decimal(int(minor)).scaleb(-exp), code, locale=language, currency_digits=True,
                               format_type="standard", decimal_quantization=True)
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(int(minor)), 10**exp) if exp else (abs(int(minor)), 0)
    if language == "fr":
        whole_s = f"{whole:,}".replace(",", "\u202f")
        number = f"{whole_s},{frac:0{exp}d}" if exp else whole_s
        return f"{sign}{number}\u00a0{SYMBOLS.get(code, code)}"
    number = f"{whole:,}.{frac:0{exp}d}" if exp else f"{whole:,}"
    symbol = SYMBOLS.get(code)
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {code}"


def format_plain(minor, code=None):
    """1250 -> '12.50': the amount with a dot and the currency's decimals, no symbol (machine
    formats such as the MTurk-compatible API's CurrencyAmount)."""
    exp = exponent(code)
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(int(minor)), 10**exp) if exp else (abs(int(minor)), 0)
    return f"{sign}{whole}.{frac:0{exp}d}" if exp else f"{sign}{whole}"


def largest_remainder(total: int, weights: list[int]) -> list[tuple[int, int, int]]:
    """Split the integer `total` in proportion to non-negative integer `weights` (Hamilton's
    method): each part is `total × weight // sum(weights)`, then the units left over go one each
    to the parts with the largest remainders, ties to the earlier weight. Returns, per weight,
    `(part, floor, remainder)` with `remainder` the numerator over `sum(weights)`; the parts add
    up to `total` and each is within one unit of its exact quota."""
    whole = sum(weights)
    if total < 0 or whole <= 0 or any(w < 0 for w in weights):
        raise ValueError("a non-negative total over positive weights")
    floors = [total * w // whole for w in weights]
    remainders = [total * w % whole for w in weights]
    parts = list(floors)
    for i in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:total - sum(floors)]:
        parts[i] += 1
    return list(zip(parts, floors, remainders, strict=True))


def convert(minor, rate, to_code, from_code=None):
    """`minor` units of the federation's currency in `to_code`'s minor units, at `rate` (units of
    `to_code` for one unit of the federation's currency), rounded half to even."""
    value = Decimal(int(minor)).scaleb(-exponent(from_code)) * Decimal(rate)
    return int(value.scaleb(exponent(to_code)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


# --- a reader's local currency -------------------------------------------------------------

class DisplayRate:
    """The reader's display currency for one request: `load()` returns `(currency, rate, date)`
    of the operator's rate in force, or None; called at most once, when an amount is shown.
    `shown` tells whether a page showed a converted amount (then it shows the rate too)."""

    def __init__(self, load):
        self._load = load
        self._value = self._loaded = None
        self.shown = False

    def value(self):
        if not self._loaded:
            self._value, self._loaded = self._load(), True
        return self._value


# Set per request by ledger.middleware (None: no display currency).
display_rate = ContextVar("display_rate", default=None)


def local_rate(*, shown_only=False):
    """The reader's `(currency, rate, date)`, or None; with `shown_only`, only if an amount was
    converted since the request began."""
    display = display_rate.get()
    if display is None or (shown_only and not display.shown):
        return None
    return display.value()


def format_local(minor):
    """'≈ 4 600 Ar' for 100 (one dollar) when the reader chose ariary and a rate is set; '' else."""
    display = display_rate.get()
    found = display.value() if display is not None else None
    if found is None:
        return ""
    display.shown = True
    code, rate, _date = found
    return "\u2248\u00a0" + format_amount(convert(minor, rate, code), code)
