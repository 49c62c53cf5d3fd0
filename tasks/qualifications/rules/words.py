"""A rule in words: `clause_text` and `describe` (for pages and for InvalidRule's messages)."""

from fractions import Fraction

from django.utils.translation import get_language_info, ngettext
from django.utils.translation import gettext as _

from tasks.qualifications.metrics import BY_NAME, COUNTRY, LANGUAGES, NEGATION

# --- words --------------------------------------------------------------------------------

def _op_words(op, value):
    words = {">=": _("at least %(v)s"), ">": _("more than %(v)s"), "<=": _("at most %(v)s"),
             "<": _("less than %(v)s"), "==": _("exactly %(v)s"), "!=": _("other than %(v)s")}[op]
    return words % {"v": value}


def _fmt(value):
    if value is None:
        return "–"
    if isinstance(value, Fraction):
        value = round(float(value), 1)
    if isinstance(value, float) and value == int(value):
        value = int(value)
    return str(value)


def language_name(code):
    try:
        return _(get_language_info(code)["name"])
    except KeyError:
        return code


def _scope(clause):
    params = clause.get("params") or {}
    parts = []
    if params.get("category"):
        parts.append(_("in category “%(c)s”") % {"c": params["category"]})
    if params.get("days"):
        parts.append(ngettext("in the last day", "in the last %(n)d days", params["days"]) % {"n": params["days"]})
    return (" " + " ".join(parts)) if parts else ""


def clause_text(clause, op=None):
    """The clause in plain words: "at least 50 approved tasks in category “transcription”"."""
    op = op or clause["op"]
    metric = BY_NAME[clause["metric"]]
    params = clause.get("params") or {}
    if metric.kind == LANGUAGES:
        name = language_name(clause["value"])
        return (_("%(lang)s among your languages") if op == "has" else _("%(lang)s not among your languages")) % {
            "lang": name}
    if metric.kind == COUNTRY:
        codes = ", ".join(clause["value"])
        return (_("country one of %(c)s") if op == "in" else _("country not one of %(c)s")) % {"c": codes}
    if metric.name == "approval_rate":
        return _("approval rate %(cmp)s over your last %(n)d decided tasks (at least %(m)d decided)") % {
            "cmp": _op_words(op, f"{_fmt(clause['value'])}%"), "n": params["last"], "m": params["min_count"]}
    if metric.name == "gold_accuracy":
        return _("gold accuracy %(cmp)s (at least %(m)d gold tasks answered)") % {
            "cmp": _op_words(op, f"{_fmt(clause['value'])}%"), "m": params["min_count"]} + _scope(clause)
    return f"{_op_words(op, _fmt(clause['value']))} {metric.label}{_scope(clause)}"


def describe(rule, positive=True):
    """The whole rule in plain words."""
    if "metric" in rule:
        return clause_text(rule, rule["op"] if positive else NEGATION[rule["op"]])
    if "not" in rule:
        return describe(rule["not"], not positive)
    key = "all" if "all" in rule else "any"
    if not positive:
        key = "any" if key == "all" else "all"
    parts = [describe(c, positive) for c in rule.get("all", rule.get("any"))]
    if len(parts) == 1:
        return parts[0]
    joiner = _(" and ") if key == "all" else _(" or ")
    return "(" + joiner.join(parts) + ")" if key == "any" else joiner.join(parts)
