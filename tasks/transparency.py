"""Requester transparency (issue 23 part 3; docs/transparency.md): who a project's data is for,
what for, and whether it will be published, declared by the requester and shown to members.

A project declares `end_client` (a name, or "the organisation itself"), `purpose` (one of
`PURPOSES`) with a sentence (`purpose_text`), and `data_published` (yes or no). All are optional
unless the coop voted `transparency_required` = "required": then `project_publish` refuses a
project that has not declared them all (`transparency_missing`)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PURPOSES = [
    ("model_training", gettext_lazy("training a model")),
    ("research", gettext_lazy("research")),
    ("moderation", gettext_lazy("moderation")),
    ("other", gettext_lazy("other")),
]
PURPOSE_CODES = [code for code, _label in PURPOSES]
FIELDS = ("end_client", "purpose", "purpose_text", "data_published")


def transparency_clean(fields, errors):
    """The declaration's fields of `fields` cleaned (a dict), with any error put in `errors`."""
    clean = {}
    end_client = str(fields.get("end_client") or "").strip()
    if len(end_client) > 200 or "\x00" in end_client:
        errors["end_client"] = _("Name the end client in 200 characters or fewer.")
    clean["end_client"] = end_client
    purpose = str(fields.get("purpose") or "")
    if purpose and purpose not in PURPOSE_CODES:
        errors["purpose"] = _("The purpose is one of: %(c)s.") % {"c": ", ".join(PURPOSE_CODES)}
    clean["purpose"] = purpose
    text = str(fields.get("purpose_text") or "").strip()
    if len(text) > 300 or "\x00" in text:
        errors["purpose_text"] = _("Say the purpose in a sentence of 300 characters or fewer.")
    clean["purpose_text"] = text
    published = fields.get("data_published")
    if published not in (None, True, False):
        errors["data_published"] = _("Say whether the data will be published: yes or no.")
    clean["data_published"] = published
    return clean


def declared(fields) -> bool:
    """Whether everything is declared: an end client, a purpose with its sentence, published or not."""
    return bool(fields.get("end_client") and fields.get("purpose") and fields.get("purpose_text")
                and fields.get("data_published") is not None)


def purpose_label(code):
    return str(dict(PURPOSES).get(code, code))
