from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language_info

from coop.core.markdown import render_markdown
from coop.core.money import currency, exponent, format_amount
from coop.federation.labels import category_label
from coop.federation.labels import code_label as code_label_of

register = template.Library()


@register.filter
def money(minor):
    if minor in (None, ""):
        return ""
    return format_amount(int(minor))


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
