"""Requester transparency (issue 23 part 3; docs/transparency.md): who a project's data is for,
what for, and whether it will be published, declared by the requester and shown to members.

A project declares `end_client` (a name, or "the organisation itself"), `purpose` (one of
`PURPOSES`) with a sentence (`purpose_text`), and `data_published` (yes or no). All are optional
unless the coop voted `transparency_required` = "required": then `project_publish` refuses a
project that has not declared them all (`transparency_missing`)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks.errors import InvalidProject

PURPOSES = [
    ("model_training", gettext_lazy("training a model")),
    ("research", gettext_lazy("research")),
    ("moderation", gettext_lazy("moderation")),
    ("other", gettext_lazy("other")),
]
PURPOSE_CODES = [code for code, _label in PURPOSES]
# the reasons a project may cite for a `country` requirement (a required qualification whose rule
# has a country clause): never a preference, always a law or an approval
LEGAL_REASONS = [
    ("export_control", gettext_lazy("export control")),
    ("data_residency", gettext_lazy("a data-residency law")),
    ("research_ethics", gettext_lazy("a research ethics approval")),
]
LEGAL_REASON_CODES = [code for code, _label in LEGAL_REASONS]
FIELDS = ("end_client", "purpose", "purpose_text", "data_published", "legal_reason", "legal_reason_text")


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
    reason = str(fields.get("legal_reason") or "")
    if reason and reason not in LEGAL_REASON_CODES:
        errors["legal_reason"] = _("The legal reason is one of: %(c)s.") % {"c": ", ".join(LEGAL_REASON_CODES)}
    clean["legal_reason"] = reason
    reason_text = str(fields.get("legal_reason_text") or "").strip()
    if len(reason_text) > 300 or "\x00" in reason_text:
        errors["legal_reason_text"] = _("Say the legal reason in 300 characters or fewer.")
    elif reason and not reason_text:
        errors["legal_reason_text"] = _("Say which law or approval, in a sentence.")
    elif reason_text and not reason:
        errors["legal_reason"] = _("Choose the kind of legal reason.")
    clean["legal_reason_text"] = reason_text
    return clean


def _has_country(rule) -> bool:
    if not isinstance(rule, dict):
        return False
    if rule.get("metric") == "country":
        return True
    return any(_has_country(child) for child in [rule.get("not"), *rule.get("all", []), *rule.get("any", [])])


def country_required(project) -> bool:
    """Whether a qualification the project requires limits it to (or away from) some countries."""
    rules = project.qualification_requirements.values_list("qualification__current_version__rule", flat=True)
    return any(_has_country(rule) for rule in rules)


def country_reason_check(clean, project) -> bool:
    """Whether the project requires a country; refuse it (per field, nothing written) when it does
    without citing a legal reason."""
    required = country_required(project)
    if required and not clean.get("legal_reason"):
        message = _("This project requires a country: cite the legal reason (export control, a data-residency law "
                    "or a research ethics approval) with a sentence.")
        raise InvalidProject(message=message, extra={"fields": {"legal_reason": str(message)}})
    return required


def declared(fields) -> bool:
    """Whether everything is declared: an end client, a purpose with its sentence, published or not."""
    return bool(fields.get("end_client") and fields.get("purpose") and fields.get("purpose_text")
                and fields.get("data_published") is not None)


def legal_reason_label(code):
    """A legal reason in words ("a data-residency law"), or "" for none."""
    return str(dict(LEGAL_REASONS).get(code, code)) if code else ""


def purpose_label(code):
    """A stated purpose in words ("training a model"), "other" for a code `PURPOSES` does not
    list, "" for none: the one spelling the project page and the feed's cards use."""
    if not code:
        return ""
    labels = dict(PURPOSES)
    return str(labels.get(code) or labels["other"])
