"""Notices are written in the reader's language when shown, not in the writer's.

A service stores the English message (marked with `gettext_noop` so `make messages` extracts
it) and its parameters; the page translates the message into the language of whoever reads
it. Parameters that are themselves words (a status label, a reason from the published list),
amounts and dates are stored as values and rendered in the reader's language too:

    notify(user=..., kind="membership", message=gettext_noop("Welcome! You are now a member of %(coop)s."),
           params={"coop": coop.name})

`params` may hold, besides plain strings and numbers: a lazily translated label
(`gettext_lazy`, e.g. a `TextChoices` label) kept as {"msgid": ...}; a date or datetime kept as
{"date": "YYYY-MM-DD"}; an amount passed as `money(minor)`, kept as {"money": minor}."""

import datetime

from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext

from coop.core.money import format_amount


def money(minor, currency=None):
    """An amount for a notice's parameters, formatted in the reader's locale when shown."""
    return {"money": int(minor), "currency": currency}


def params_stored(params):
    """`params` as JSON: labels by their msgid, dates as ISO dates."""
    stored = {}
    for key, value in (params or {}).items():
        if isinstance(value, Promise):
            args = getattr(value, "_args", ())
            value = {"msgid": args[0]} if args and isinstance(args[0], str) else str(value)
        elif isinstance(value, datetime.datetime):
            value = {"date": value.date().isoformat()}
        elif isinstance(value, datetime.date):
            value = {"date": value.isoformat()}
        stored[key] = value
    return stored


def _shown(value):
    if isinstance(value, dict):
        if "msgid" in value:
            return gettext(value["msgid"])
        if "money" in value:
            return format_amount(value["money"], value.get("currency"))
        if "date" in value:
            return date_format(datetime.date.fromisoformat(value["date"]), "DATE_FORMAT")
    return value


def message_render(message, params, *, html=False):
    """The message in the active language, with its parameters rendered in it too. With `html`,
    escaped, and what people wrote (names, titles, reasons: the plain strings) marked
    translate="no", as pages mark everything users write."""
    params = dict(params or {})
    plural = params.pop("_plural", "")
    values = {}
    for key, value in params.items():
        shown = _shown(value)
        if html:
            shown = (format_html('<span translate="no">{}</span>', shown) if isinstance(value, str)
                     else conditional_escape(shown))
        values[key] = shown
    try:
        text = ngettext(message, plural, int(params.get("n", 0))) if plural else gettext(message)
        if html:
            text = conditional_escape(text)
        return mark_safe(text % values) if html else text % values  # noqa: S308 (escaped above)
    except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder
        return mark_safe(conditional_escape(message) % values) if html else message % values  # noqa: S308
