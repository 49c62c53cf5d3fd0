from babel.numbers import format_decimal
from django import template
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext as _

from coop.core.languages import NATIVE_NAMES, REVIEW_LANGUAGES
from coop.core.markdown import render_markdown
from coop.core.money import currency, exponent, format_amount, format_local, local_rate
from coop.federation.labels import category_label
from coop.federation.labels import code_label as code_label_of

register = template.Library()


@register.filter
def money(minor):
    """An amount in the federation's currency, and in the reader's local currency beside it
    when they chose one and the operator set its rate: "$1.00 (≈ 4 600 Ar)"."""
    if minor in (None, ""):
        return ""
    text = format_amount(int(minor))
    local = format_local(int(minor))
    return f"{text} ({local})" if local else text


@register.filter
def money_ledger(minor):
    """An amount in the federation's currency only: statements, where it is the authority."""
    if minor in (None, ""):
        return ""
    return format_amount(int(minor))


@register.simple_tag
def local_rate_note():
    """The rate behind the converted amounts the page showed, with its date ("" if none)."""
    found = local_rate(shown_only=True)
    if found is None:
        return ""
    code, rate, day = found
    language = (get_language() or "en")[:2]
    return _("Amounts in %(code)s are shown at the operator's rate of %(date)s: 1 %(fed)s = %(rate)s %(code)s. "
             "Your wallet and statements stay in %(fed)s.") % {
        "code": code, "fed": currency(), "date": date_format(day, "DATE_FORMAT"),
        "rate": format_decimal(rate.normalize(), locale=language)}


@register.simple_tag
def native_language_name(code):
    """A language's name in itself ("Malagasy", "Kiswahili"), for the language switcher."""
    return NATIVE_NAMES.get(code, code)


@register.simple_tag
def machine_translated():
    """Is the page's language one whose catalogue was made by machine and awaits review?"""
    return (get_language() or "")[:2] in REVIEW_LANGUAGES


@register.filter
def money_plain(minor):
    """Minor units as a plain decimal for a form field ('1.00'), which parse_amount reads back."""
    if minor in (None, ""):
        return ""

    exp = exponent(currency())
    whole, frac = divmod(int(minor), 10**exp) if exp else (int(minor), 0)
    return f"{whole}.{frac:0{exp}d}" if exp else str(whole)


@register.filter
def markdown(text):
    return mark_safe(render_markdown(text))  # nh3 has sanitised it


@register.filter
def language_name(code):
    """A language code as its name in the reader's language ("fr" → "français" / "French");
    a code Django does not know is shown as it is."""
    try:
        return get_language_info(str(code))["name_translated"]
    except KeyError:
        return code


def _item(value):
    if not isinstance(value, dict):
        return str(value)
    if "text" in value:  # a highlighted passage
        return f"{value.get('label', '')}: “{value['text']}”"
    return f"{value.get('label', '')}: " + " ".join(str(value[k]) for k in ("x", "y", "w", "h") if k in value)


@register.filter
def answer(value):
    """A member's answer as text: a list of choices joined with commas, boxes and passages
    (lists of objects, tasks/questions) one per item as `label: values`, anything else as it is."""
    if isinstance(value, list | tuple):
        return ", ".join(_item(v) for v in value)
    return "" if value is None else value


@register.filter
def category(code):
    """A project's category in the reader's language (the usual ones; others as written)."""
    return category_label(code)


@register.filter
def code_label(code):
    """A rulebook code (payout method, allocation policy, data category) in words."""
    return code_label_of(code)
