"""Money is an integer number of minor units of the federation's one currency.

Parse and format only here (and through the `money` template filter)."""

import re
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from coop.core.errors import DomainError

# ISO 4217 minor-unit exponents for the currencies a federation is likely to use.
MINOR_UNITS = {"USD": 2, "EUR": 2, "GBP": 2, "MGA": 0, "NGN": 2, "ZAR": 2, "KES": 2, "PKR": 2, "XOF": 0, "JPY": 0}
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
