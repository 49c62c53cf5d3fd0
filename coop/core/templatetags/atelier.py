from django import template
from django.utils.safestring import mark_safe

from coop.core.markdown import render_markdown
from coop.core.money import format_amount

register = template.Library()


@register.filter
def money(minor):
    if minor in (None, ""):
        return ""
    return format_amount(int(minor))


@register.filter
def markdown(text):
    return mark_safe(render_markdown(text))  # nh3 has sanitised it
