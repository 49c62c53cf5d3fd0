"""Checking a rule (`rule_validate`): its normal form (parameters with their defaults, numbers as
numbers), or InvalidRule naming where it is wrong (`all[1].value`); unknown metrics, wrong
types and rules that can never be met are refused. Also the clauses of a rule and their keys."""

import math
import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from django.utils.translation import gettext as _

from tasks.qualifications.errors import InvalidRule
from tasks.qualifications.metrics import BY_NAME, LANGUAGES, NEGATION, NUMBER, metric_get
from tasks.qualifications.rules.words import clause_text, describe

MAX_NODES = 64
MAX_DEPTH = 8
MAX_CHILDREN = 20
MAX_CONJUNCTS = 4096
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
CATEGORY_RE = re.compile(r"^[-a-zA-Z0-9_]{1,60}$")
LEAF_KEYS = {"metric", "op", "value", "params"}
NULLABLE = {"approval_rate", "gold_accuracy"}  # number metrics that may have no value


def _fail(path, problem, message, **extra):
    raise InvalidRule(message=f"{path or _('rule')}: {message}", extra={"path": path, "problem": problem, **extra})


# --- validation -------------------------------------------------------------------------

def rule_validate(rule):
    """Return the normal form of `rule`, or raise InvalidRule with a clear message."""
    counter = [0]
    normal = _node(rule, "", 0, counter)
    _check_satisfiable(normal)
    return normal


def _node(node, path, depth, counter):
    counter[0] += 1
    if counter[0] > MAX_NODES:
        _fail(path, "too_large", _("a rule has at most %(n)d parts.") % {"n": MAX_NODES})
    if depth > MAX_DEPTH:
        _fail(path, "too_deep", _("a rule nests at most %(n)d levels.") % {"n": MAX_DEPTH})
    if not isinstance(node, dict):
        _fail(path, "not_an_object", _("each part of a rule is an object such as {\"all\": [...]} or "
                                       "{\"metric\": ..., \"op\": ..., \"value\": ...}."))
    groups = [k for k in ("all", "any", "not") if k in node]
    if groups:
        if len(node) != 1:
            _fail(path, "mixed_node", _("\"%(k)s\" must be alone in its object.") % {"k": groups[0]})
        key = groups[0]
        sub = f"{path}.{key}" if path else key
        if key == "not":
            return {"not": _node(node["not"], sub, depth + 1, counter)}
        children = node[key]
        if not isinstance(children, list) or not children:
            _fail(sub, "empty_group", _("\"%(k)s\" needs a non-empty list.") % {"k": key})
        if len(children) > MAX_CHILDREN:
            _fail(sub, "too_large", _("a group has at most %(n)d parts.") % {"n": MAX_CHILDREN})
        return {key: [_node(c, f"{sub}[{i}]", depth + 1, counter) for i, c in enumerate(children)]}
    if "metric" not in node:
        _fail(path, "unknown_node", _("expected \"all\", \"any\", \"not\" or \"metric\", got %(keys)s.")
              % {"keys": ", ".join(sorted(map(str, node))) or "{}"})
    return _clause(node, path)


def _clause(node, path):
    unknown = set(node) - LEAF_KEYS
    if unknown:
        _fail(path, "unknown_key", _("unknown key %(k)s (a clause has metric, op, value and params).")
              % {"k": ", ".join(sorted(map(str, unknown)))})
    name = node["metric"]
    metric = metric_get(name) if isinstance(name, str) else None
    if metric is None:
        _fail(f"{path}.metric" if path else "metric", "unknown_metric",
              _("unknown metric %(name)r. Known metrics: %(known)s.") % {"name": name, "known": ", ".join(BY_NAME)})
    op = node.get("op")
    if op not in metric.ops:
        _fail(f"{path}.op" if path else "op", "bad_op", _("%(metric)s compares with %(ops)s, not %(op)r.")
              % {"metric": name, "ops": ", ".join(metric.ops), "op": op})
    if "value" not in node:
        _fail(path, "missing_value", _("a clause needs a \"value\"."))
    vpath = f"{path}.value" if path else "value"
    value = _value(metric, node["value"], vpath)
    params = _params(metric, node.get("params", {}), f"{path}.params" if path else "params")
    out = {"metric": name, "op": op, "value": value}
    if params:
        out["params"] = params
    return out


def _number(raw, path):
    if isinstance(raw, bool) or raw is None:
        _fail(path, "not_a_number", _("must be a number, not %(v)s.") % {"v": str(raw).lower()})
    if isinstance(raw, str):
        _fail(path, "number_as_text", _("must be a number, not text (%(v)r): write it without quotes.") % {"v": raw})
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if not math.isfinite(raw):
            _fail(path, "not_a_number", _("must be a finite number."))
        try:
            dec = Decimal(repr(raw))
        except InvalidOperation:
            _fail(path, "not_a_number", _("must be a number."))
        if dec != dec.quantize(Decimal("0.01")):
            _fail(path, "too_many_decimals", _("use at most two decimals."))
        return int(dec) if dec == dec.to_integral_value() else float(dec)
    _fail(path, "not_a_number", _("must be a number."))


def _value(metric, raw, path):
    if metric.kind == NUMBER:
        return _number(raw, path)
    if metric.kind == LANGUAGES:
        if not isinstance(raw, str) or not LANGUAGE_RE.match(raw.strip().lower()):
            _fail(path, "bad_language", _("must be a language code such as \"fr\" or \"mg\"."))
        return raw.strip().lower()
    if not isinstance(raw, list) or not raw or not all(isinstance(c, str) for c in raw):
        _fail(path, "bad_country", _("must be a non-empty list of country codes such as [\"FR\", \"MG\"]."))
    codes = sorted({c.strip().upper() for c in raw})
    bad = [c for c in codes if not COUNTRY_RE.match(c)]
    if bad:
        _fail(path, "bad_country", _("%(codes)s: not two-letter country codes.") % {"codes": ", ".join(bad)})
    return codes


def _params(metric, raw, path):
    if not isinstance(raw, dict):
        _fail(path, "bad_params", _("\"params\" must be an object."))
    unknown = set(raw) - {p.name for p in metric.params}
    if unknown:
        known = ", ".join(p.name for p in metric.params) or _("none")
        _fail(path, "unknown_param", _("%(metric)s has no parameter %(p)s (it has: %(known)s).")
              % {"metric": metric.name, "p": ", ".join(sorted(map(str, unknown))), "known": known})
    out = {}
    for p in metric.params:
        value = raw.get(p.name, p.default)
        if value is None:
            continue
        sub = f"{path}.{p.name}"
        if p.type == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                if isinstance(value, str):
                    _fail(sub, "number_as_text", _("must be a whole number, not text (%(v)r).") % {"v": value})
                _fail(sub, "not_an_integer", _("must be a whole number."))
            if (p.minimum is not None and value < p.minimum) or (p.maximum is not None and value > p.maximum):
                _fail(sub, "out_of_range", _("must be between %(lo)s and %(hi)s.") % {"lo": p.minimum, "hi": p.maximum})
        else:
            if not isinstance(value, str) or not CATEGORY_RE.match(value.strip()):
                _fail(sub, "bad_category", _("must be a project category's short name, such as \"transcription\"."))
            value = value.strip()
        out[p.name] = value
    if metric.name == "approval_rate" and out["min_count"] > out["last"]:
        _fail(path, "never_met", _("min_count (%(m)d) is larger than the window of %(n)d tasks: it can never be "
                                   "met.") % {"m": out["min_count"], "n": out["last"]})
    return out


def clause_key(clause):
    """A short stable code naming what a clause measures: `approved_assignments?category=x&days=90`."""
    params = clause.get("params") or {}
    if not params:
        return clause["metric"]
    return clause["metric"] + "?" + "&".join(f"{k}={params[k]}" for k in sorted(params))


def rule_clauses(rule):
    """Every clause of a (valid) rule, in order."""
    if "metric" in rule:
        return [rule]
    if "not" in rule:
        return rule_clauses(rule["not"])
    key = "all" if "all" in rule else "any"
    return [c for child in rule[key] for c in rule_clauses(child)]


def rule_keys(rule):
    return sorted({clause_key(c) for c in rule_clauses(rule)})


# --- satisfiability ----------------------------------------------------------------------

def _nnf(node, positive=True):
    """Push negations down to the clauses."""
    if "metric" in node:
        return {**node, "positive": True} if positive else {**node, "op": NEGATION[node["op"]], "positive": False}
    if "not" in node:
        return _nnf(node["not"], not positive)
    key = "all" if "all" in node else "any"
    if not positive:
        key = "any" if key == "all" else "all"
    children = node.get("all", node.get("any"))
    return {key: [_nnf(c, positive) for c in children]}


def _dnf(node):
    """Conjunctions (lists of clauses) whose disjunction is `node` (in NNF); refuses blow-up."""
    if "metric" in node:
        return [[node]]
    if "any" in node:
        out = []
        for child in node["any"]:
            out.extend(_dnf(child))
            if len(out) > MAX_CONJUNCTS:
                raise InvalidRule(message=_("This rule is too complex to check; simplify it."),
                                  extra={"path": "", "problem": "too_complex"})
        return out
    out = [[]]
    for child in node["all"]:
        out = [a + b for a in out for b in _dnf(child)]
        if len(out) > MAX_CONJUNCTS:
            raise InvalidRule(message=_("This rule is too complex to check; simplify it."),
                              extra={"path": "", "problem": "too_complex"})
    return out


def _as_fraction(value):
    return Fraction(value) if isinstance(value, int) else Fraction(str(value))


def _numbers_possible(metric, clauses):
    lo, lo_open = (Fraction(metric.minimum), False) if metric.minimum is not None else (None, False)
    hi, hi_open = (Fraction(metric.maximum), False) if metric.maximum is not None else (None, False)
    excluded = set()
    for c in clauses:
        v, op = _as_fraction(c["value"]), c["op"]
        if op in (">=", ">", "=="):
            if lo is None or v > lo or (v == lo and op == ">"):
                lo, lo_open = v, op == ">"
        if op in ("<=", "<", "=="):
            if hi is None or v < hi or (v == hi and op == "<"):
                hi, hi_open = v, op == "<"
        if op == "!=":
            excluded.add(v)
    if metric.integer:
        low = None if lo is None else (math.floor(lo) + 1 if lo_open else math.ceil(lo))
        high = None if hi is None else (math.ceil(hi) - 1 if hi_open else math.floor(hi))
        if low is None or high is None:
            return True  # infinitely many whole numbers, finitely many excluded
        return any(Fraction(n) not in excluded for n in range(low, min(high, low + len(excluded)) + 1))
    if lo is not None and hi is not None:
        if lo > hi or (lo == hi and (lo_open or hi_open)):
            return False
        if lo == hi:
            return lo not in excluded
    return True


def _conjunct_possible(clauses):
    by_key = {}
    for c in clauses:
        by_key.setdefault(clause_key(c), []).append(c)
    for group in by_key.values():
        metric = BY_NAME[group[0]["metric"]]
        if metric.kind == NUMBER:
            # a metric without a value (an approval rate below its minimum count) fails every
            # comparison, so it meets exactly the negated ones
            no_value = metric.name in NULLABLE and not any(c["positive"] for c in group)
            if not no_value and not _numbers_possible(metric, group):
                return False
        elif metric.kind == LANGUAGES:
            has = {c["value"] for c in group if c["op"] == "has"}
            lacks = {c["value"] for c in group if c["op"] == "lacks"}
            if has & lacks:
                return False
        else:
            allowed = None
            refused = set()
            for c in group:
                if c["op"] == "in":
                    allowed = set(c["value"]) if allowed is None else allowed & set(c["value"])
                else:
                    refused |= set(c["value"])
            if allowed is not None and not (allowed - refused):
                return False
    return True


def _check_satisfiable(normal):
    if not any(_conjunct_possible(conj) for conj in _dnf(_nnf(normal))):
        single = normal if "metric" in normal else None
        detail = clause_text(single) if single else describe(normal)
        raise InvalidRule(message=_("This rule can never be met: %(rule)s.") % {"rule": detail},
                          extra={"path": "", "problem": "never_met"})
