"""A member's record against a rule, in words: `rule_explain` clause by clause (the member's
value, the required value, pass or fail, and what is missing), and the evidence stored on a grant."""

import math
from fractions import Fraction

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tasks.qualifications.metrics import BY_NAME, COUNTRY, LANGUAGES, NEGATION, NUMBER
from tasks.qualifications.rules.evaluation import clause_holds
from tasks.qualifications.rules.validation import _as_fraction, clause_key, rule_clauses
from tasks.qualifications.rules.words import _fmt, _op_words, _scope, clause_text, language_name


def _missing(clause, op, have, record):
    """What is missing, in words, for a clause that fails."""
    metric = BY_NAME[clause["metric"]]
    params = clause.get("params") or {}
    if metric.kind == LANGUAGES:
        name = language_name(clause["value"])
        if op == "has":
            return _("add %(lang)s to your profile languages if you speak it") % {"lang": name}
        return _("%(lang)s is among your languages") % {"lang": name}
    if metric.kind == COUNTRY:
        return _("your profile country (%(have)s) is not one of %(need)s") % {
            "have": have or _("not set"), "need": ", ".join(clause["value"])}
    if metric.name == "approval_rate":
        decided = record.get(clause_key(clause) + "#decided", 0)
        if have is None:
            return ngettext("an approval rate needs %(m)d decided task; you have %(n)d",
                            "an approval rate needs %(m)d decided tasks; you have %(n)d", params["min_count"]) % {
                "m": params["min_count"], "n": decided}
        return _("approval rate %(have)s%% over the last %(n)d, needs %(need)s") % {
            "have": _fmt(have), "n": min(decided, params["last"]), "need": _op_words(op, f"{_fmt(clause['value'])}%")}
    if metric.name == "gold_accuracy":
        answered = record.get(clause_key(clause) + "#gold", 0)
        if have is None:
            return ngettext("a gold accuracy needs %(m)d gold task answered; you have %(n)d",
                            "a gold accuracy needs %(m)d gold tasks answered; you have %(n)d",
                            params["min_count"]) % {"m": params["min_count"], "n": answered}
        return _("gold accuracy %(have)s%% over %(n)d gold tasks, needs %(need)s") % {
            "have": _fmt(have), "n": answered, "need": _op_words(op, f"{_fmt(clause['value'])}%")}
    value = _as_fraction(clause["value"])
    have_n = have if have is not None else 0
    if op in (">=", ">"):
        target = math.ceil(value) if op == ">=" else math.floor(value) + 1
        more = max(int(target - have_n), 1)
        if metric.name == "tenure_days":
            return ngettext("%(n)d more day of membership", "%(n)d more days of membership", more) % {"n": more}
        if metric.name == "approved_assignments":
            what = params.get("category")
            text = (ngettext("%(n)d more approved %(c)s task", "%(n)d more approved %(c)s tasks", more)
                    % {"n": more, "c": what}) if what else (
                ngettext("%(n)d more approved task", "%(n)d more approved tasks", more) % {"n": more})
            return text + (_scope({"params": {"days": params["days"]}}) if params.get("days") else "")
        if metric.name == "tests_passed":
            return ngettext("%(n)d more paid test passed", "%(n)d more paid tests passed", more) % {"n": more}
        return _("%(n)d more %(label)s") % {"n": more, "label": metric.label}
    return _("you have %(have)s %(label)s, needs %(need)s") % {
        "have": _fmt(have), "label": metric.label, "need": _op_words(op, _fmt(clause["value"]))}


def _progress(clause, op, have, passed):
    metric = BY_NAME[clause["metric"]]
    if passed:
        return 100
    if metric.kind != NUMBER or have is None or op not in (">=", ">"):
        return 0
    need = _as_fraction(clause["value"])
    if need <= 0:
        return 0
    return max(0, min(99, int(Fraction(have) * 100 / need)))


def rule_explain(rule, record, positive=True):
    """Per clause: the member's value, the required value, pass or fail, what is missing.

    Returns a tree `{"kind": "all"|"any"|"clause", "passed", "children"|clause fields}`;
    a clause under a `not` is shown negated ("fewer than 5 final rejections")."""
    if "metric" in rule:
        op = rule["op"] if positive else NEGATION[rule["op"]]
        key = clause_key(rule)
        have = record.get(key)
        holds = clause_holds(rule, have)
        passed = holds if positive else not holds
        metric = BY_NAME[rule["metric"]]
        return {
            "kind": "clause", "key": key, "metric": rule["metric"], "label": str(metric.label), "op": op,
            "required": rule["value"], "value": have, "value_text": _value_text(metric, have),
            "passed": passed, "text": clause_text(rule, op),
            "missing": "" if passed else _missing(rule, op, have, record),
            "progress": _progress(rule, op, have, passed),
        }
    if "not" in rule:
        return rule_explain(rule["not"], record, not positive)
    key = "all" if "all" in rule else "any"
    if not positive:
        key = "any" if key == "all" else "all"
    children = [rule_explain(c, record, positive) for c in rule.get("all", rule.get("any"))]
    passed = all(c["passed"] for c in children) if key == "all" else any(c["passed"] for c in children)
    return {"kind": key, "passed": passed, "children": children}


def _value_text(metric, have):
    if metric.kind == LANGUAGES:
        return ", ".join(have or []) or _("none")
    if metric.kind == COUNTRY:
        return have or _("not set")
    if have is None:
        return _("no value yet")
    return _fmt(have) + ("%" if metric.name in ("approval_rate", "gold_accuracy") else "")


def explained_clauses(tree):
    """The clauses of an explanation tree, flattened in order."""
    if tree["kind"] == "clause":
        return [tree]
    return [c for child in tree["children"] for c in explained_clauses(child)]


def evidence_numbers(rule, record):
    """The evidence recorded with a grant or revocation: each clause key with the member's value
    as an integer (approval rates in hundredths of a percent; None stays None; lists as codes)."""
    out = {}
    for clause in rule_clauses(rule):
        key = clause_key(clause)
        have = record.get(key)
        if isinstance(have, Fraction):
            have = int(have * 100)
        elif isinstance(have, list):
            have = ",".join(sorted(have))
        out[key] = have
    return out
