"""Whether a member's record meets a rule (`rule_evaluate`), clause by clause. Every
comparison with None (no value) is false; numbers are compared as Fractions, exactly."""

from fractions import Fraction

from tasks.qualifications.metrics import BY_NAME, LANGUAGES, NUMBER
from tasks.qualifications.rules.validation import _as_fraction, clause_key

# --- evaluation ---------------------------------------------------------------------------

def _compare(have, op, required):
    if have is None:
        return False
    have = have if isinstance(have, Fraction | int) else _as_fraction(have)
    need = _as_fraction(required)
    return {">=": have >= need, ">": have > need, "<=": have <= need, "<": have < need,
            "==": have == need, "!=": have != need}[op]


def clause_holds(clause, have, op=None):
    op = op or clause["op"]
    metric = BY_NAME[clause["metric"]]
    if metric.kind == NUMBER:
        return _compare(have, op, clause["value"])
    if metric.kind == LANGUAGES:
        present = clause["value"] in (have or [])
        return present if op == "has" else not present
    inside = have in clause["value"]
    return inside if op == "in" else not inside


def rule_evaluate(rule, record):
    """True when `record` meets the (valid) `rule`."""
    if "metric" in rule:
        return clause_holds(rule, record.get(clause_key(rule)))
    if "not" in rule:
        return not rule_evaluate(rule["not"], record)
    if "all" in rule:
        return all(rule_evaluate(c, record) for c in rule["all"])
    return any(rule_evaluate(c, record) for c in rule["any"])
