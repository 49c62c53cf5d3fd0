"""`{% load transparency %}`: a project's declarations in words, from tasks.transparency (one
spelling of each label, translated there), for templates/tasks/_transparency.html."""

from django import template

from tasks.transparency import legal_reason_label, purpose_label

register = template.Library()


@register.filter(name="legal_reason")
def legal_reason(code):
    """`{{ p.legal_reason|legal_reason }}`: "a data-residency law" (in the active language), ""
    for none, the code itself for one `LEGAL_REASONS` does not list."""
    return legal_reason_label(code)


@register.filter(name="purpose")
def purpose(code):
    """`{{ p.purpose|purpose }}`: "training a model" (in the active language), "other" for a code
    `PURPOSES` does not list, "" for none."""
    return purpose_label(code)
