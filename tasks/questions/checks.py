"""Small checks the form's kinds share: whole numbers, decimals, names, URLs, and the list of
problems a form check collects, each with its path in the form (`[2].choices`) and a message."""

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
URL_RE = re.compile(r"^https?://[^\s<>\"']+$")
MAX_TEXT = 20_000


class Problems:
    """What is wrong with a form, field by field: `path` is the field's place in the JSON list
    (0-based, as in the JSON) and the key (`[2].choices`); `text` is the sentence a person reads
    ("Field 3 (label), choices: ..."), numbered from 1 as the builder shows them."""

    def __init__(self):
        self.items = []
        self.index, self.name = None, None

    def at(self, index, name=None):
        self.index, self.name = index, name

    def add(self, key, message):
        path = f"[{self.index}]" + (f".{key}" if key else "")
        where = _("Field %(n)s") % {"n": self.index + 1}
        if self.name:
            where = f"{where} ({self.name})"
        text = (_("%(where)s, %(key)s: %(message)s") % {"where": where, "key": key, "message": message} if key
                else _("%(where)s: %(message)s") % {"where": where, "message": message})
        self.items.append({"path": path, "field": self.index, "key": key or "", "message": str(message),
                           "text": str(text)})

    def __bool__(self):
        return bool(self.items)


def whole(value, low, high):
    """`value` as an int within [low, high], or None (booleans are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return None
    return value


def decimal_of(value):
    """A finite Decimal from an int, a float or a numeric string; None otherwise."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def short_texts(value, low, high, length=200):
    """A list of `low`..`high` different non-empty texts of at most `length` characters, or None."""
    if (not isinstance(value, list) or not low <= len(value) <= high
            or any(not isinstance(v, str) or not v.strip() or len(v) > length or "\x00" in v for v in value)
            or len(set(value)) != len(value)):
        return None
    return list(value)


def column_name(value):
    return value if isinstance(value, str) and NAME_RE.match(value) else None


def bounds(problems, field, clean, low_key, high_key, *, floor, ceiling, low_default, high_default):
    """Read a pair of whole-number limits (`min`/`max`, `min_length`/`max_length`) into `clean`,
    with `floor <= low <= high <= ceiling` and `high >= 1`."""
    low = field.get(low_key, low_default)
    high = field.get(high_key, high_default)
    low_ok = whole(low, floor, ceiling)
    high_ok = whole(high, max(1, floor), ceiling)
    if low_ok is None:
        problems.add(low_key, _("must be a whole number from %(a)s to %(b)s.") % {"a": floor, "b": ceiling})
    if high_ok is None:
        problems.add(high_key, _("must be a whole number from %(a)s to %(b)s.") % {"a": max(1, floor), "b": ceiling})
    if low_ok is not None and high_ok is not None:
        if low_ok > high_ok:
            problems.add(high_key, _("must be at least %(key)s.") % {"key": low_key})
        clean[low_key], clean[high_key] = low_ok, high_ok
