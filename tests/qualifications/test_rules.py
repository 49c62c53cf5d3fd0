"""The rule language: evaluation against an independent reference, numbers as numbers, bad
rules refused, and "can never be met" decided exactly on small domains."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tasks.qualifications.errors import InvalidRule
from tasks.qualifications.rules import describe, explained_clauses, rule_evaluate, rule_explain, rule_validate

# --- an independent reference evaluator (shares no code with the engine) -------------------

RATE_PARAMS = {"last": 50, "min_count": 5}


def ref_key(metric, params):
    if not params:
        return metric
    return metric + "?" + "&".join("%s=%s" % (k, params[k]) for k in sorted(params))


def ref_num(x):
    return x if isinstance(x, Fraction) else Fraction(str(x))


def ref_holds(node, record):
    if "all" in node:
        return all(ref_holds(n, record) for n in node["all"])
    if "any" in node:
        return any(ref_holds(n, record) for n in node["any"])
    if "not" in node:
        return not ref_holds(node["not"], record)
    have = record.get(ref_key(node["metric"], node.get("params") or {}))
    want, op = node["value"], node["op"]
    if node["metric"] == "languages":
        return want in (have or [])
    if node["metric"] == "country":
        return have is not None and have in want
    if have is None:
        return False
    a, b = ref_num(have), ref_num(want)
    if op == ">=":
        return a >= b
    if op == ">":
        return a > b
    if op == "<=":
        return a <= b
    if op == "<":
        return a < b
    if op == "==":
        return a == b
    return a != b


# --- strategies ------------------------------------------------------------------------------

OPS = [">=", ">", "<=", "<", "==", "!="]
INT_METRICS = [("approved_assignments", {}), ("approved_assignments", {"category": "transcription", "days": 30}),
               ("tenure_days", {}), ("final_rejections", {})]


def small_number():
    return st.one_of(st.integers(0, 12), st.sampled_from([0.5, 2.25, 7.5, 10.01]))


@st.composite
def clauses(draw, with_rate=True):
    kind = draw(st.sampled_from(["int", "rate", "lang", "country"] if with_rate else ["int", "int", "lang", "country"]))
    if kind == "int":
        metric, params = draw(st.sampled_from(INT_METRICS))
        clause = {"metric": metric, "op": draw(st.sampled_from(OPS)), "value": draw(small_number())}
        if params:
            clause["params"] = dict(params)
        return clause
    if kind == "rate":
        return {"metric": "approval_rate", "op": draw(st.sampled_from(OPS)), "params": dict(RATE_PARAMS),
                "value": draw(st.one_of(st.integers(0, 100), st.sampled_from([33.33, 95.5, 99.99])))}
    if kind == "lang":
        return {"metric": "languages", "op": "has", "value": draw(st.sampled_from(["fr", "en", "mg"]))}
    return {"metric": "country", "op": "in", "value": draw(st.lists(st.sampled_from(["MG", "FR", "NG"]),
                                                                     min_size=1, max_size=2, unique=True))}


def rules(leaf):
    return st.recursive(leaf, lambda kids: st.one_of(
        st.builds(lambda xs: {"all": xs}, st.lists(kids, min_size=1, max_size=3)),
        st.builds(lambda xs: {"any": xs}, st.lists(kids, min_size=1, max_size=3)),
        st.builds(lambda x: {"not": x}, kids)), max_leaves=6)


@st.composite
def records(draw):
    record = {}
    for metric, params in INT_METRICS:
        record[ref_key(metric, params)] = draw(st.integers(0, 14))
    rate = draw(st.one_of(st.none(), st.fractions(0, 100, max_denominator=50)))
    record[ref_key("approval_rate", RATE_PARAMS)] = rate
    record["languages"] = draw(st.lists(st.sampled_from(["fr", "en", "mg"]), unique=True, max_size=3))
    record["country"] = draw(st.sampled_from(["MG", "FR", "NG", None]))
    return record


@given(rules(clauses()), records())
def test_rule_evaluate_matches_the_reference(rule, record):
    try:
        normal = rule_validate(rule)
    except InvalidRule as exc:
        assert exc.extra["problem"] == "never_met"
        # a rule refused as never met is met by no record
        assert not ref_holds(rule, record)
        return
    assert rule_evaluate(normal, record) == ref_holds(rule, record)
    tree = rule_explain(normal, record)
    assert tree["passed"] == ref_holds(rule, record)


def _grid_points(rule):
    """Every combination of values, on a grid that contains a witness when one exists: whole
    numbers 0..14 (the constants are at most 12), every subset of the languages used, and one
    country outside those used."""
    keys = set()

    def walk(n):
        if "all" in n or "any" in n:
            for c in n.get("all", n.get("any")):
                walk(c)
        elif "not" in n:
            walk(n["not"])
        else:
            keys.add((n["metric"], ref_key(n["metric"], n.get("params") or {})))

    walk(rule)
    domains = []
    for metric, key in sorted(keys):
        if metric == "languages":
            domains.append((key, [[], ["fr"], ["en"], ["mg"], ["fr", "en"], ["fr", "mg"], ["en", "mg"],
                                  ["fr", "en", "mg"]]))
        elif metric == "country":
            domains.append((key, ["MG", "FR", "NG", "ZA"]))
        else:
            domains.append((key, list(range(0, 15))))
    return domains


def _exists(rule, domains, record=None, i=0):
    record = record or {}
    if i == len(domains):
        return ref_holds(rule, record)
    key, values = domains[i]
    return any(_exists(rule, domains, {**record, key: v}, i + 1) for v in values)


@given(rules(clauses(with_rate=False)))
def test_rule_validate_refuses_exactly_the_rules_no_record_meets(rule):
    domains = _grid_points(rule)
    possible = _exists(rule, domains)
    try:
        rule_validate(rule)
        accepted = True
    except InvalidRule as exc:
        assert exc.extra["problem"] == "never_met"
        accepted = False
    assert accepted == possible


def test_numbers_compare_as_numbers_not_text():
    rule = rule_validate({"metric": "approved_assignments", "op": ">=", "value": 50})
    assert rule_evaluate(rule, {"approved_assignments": 100})  # "100" < "50" as text
    assert not rule_evaluate(rule, {"approved_assignments": 9})  # "9" > "50" as text
    rate = rule_validate({"metric": "approval_rate", "op": "<=", "value": 95.1})
    assert rule_evaluate(rate, {"approval_rate?last=100&min_count=10": Fraction(951, 10)})


def test_a_number_written_as_text_is_refused_with_a_clear_error():
    with pytest.raises(InvalidRule) as info:
        rule_validate({"all": [{"metric": "tenure_days", "op": ">=", "value": 30},
                               {"metric": "approved_assignments", "op": ">=", "value": "100"}]})
    assert info.value.extra == {"path": "all[1].value", "problem": "number_as_text"}
    assert "without quotes" in str(info.value.message)


@pytest.mark.parametrize("rule, problem", [
    ({"metric": "karma", "op": ">=", "value": 1}, "unknown_metric"),
    ({"metric": "tenure_days", "op": "has", "value": 1}, "bad_op"),
    ({"metric": "tenure_days", "op": ">=", "value": True}, "not_a_number"),
    ({"metric": "tenure_days", "op": ">=", "value": 1.234}, "too_many_decimals"),
    ({"metric": "tenure_days", "op": ">="}, "missing_value"),
    ({"metric": "tenure_days", "op": ">=", "value": 1, "weight": 2}, "unknown_key"),
    ({"metric": "approved_assignments", "op": ">=", "value": 1, "params": {"days": "30"}}, "number_as_text"),
    ({"metric": "approved_assignments", "op": ">=", "value": 1, "params": {"colour": "red"}}, "unknown_param"),
    ({"metric": "approved_assignments", "op": ">=", "value": 1, "params": {"category": "a b"}}, "bad_category"),
    ({"metric": "approval_rate", "op": ">=", "value": 90, "params": {"last": 10, "min_count": 20}}, "never_met"),
    ({"metric": "approval_rate", "op": ">", "value": 100}, "never_met"),
    ({"metric": "approved_assignments", "op": "<", "value": 0}, "never_met"),
    ({"all": [{"metric": "tenure_days", "op": ">", "value": 5}, {"metric": "tenure_days", "op": "<", "value": 3}]},
     "never_met"),
    ({"all": [{"metric": "tenure_days", "op": ">", "value": 5}, {"metric": "tenure_days", "op": "<", "value": 6}]},
     "never_met"),
    ({"all": [{"metric": "languages", "op": "has", "value": "fr"},
              {"not": {"metric": "languages", "op": "has", "value": "fr"}}]}, "never_met"),
    ({"metric": "languages", "op": "has", "value": "French"}, "bad_language"),
    ({"metric": "country", "op": "in", "value": "FR"}, "bad_country"),
    ({"all": []}, "empty_group"),
    ({"all": [{"metric": "tenure_days", "op": ">=", "value": 1}], "any": []}, "mixed_node"),
    ([1, 2], "not_an_object"),
    ({"foo": 1}, "unknown_node"),
])
def test_bad_rules_are_refused(rule, problem):
    with pytest.raises(InvalidRule) as info:
        rule_validate(rule)
    assert info.value.extra["problem"] == problem
    assert str(info.value.message)


def test_a_satisfiable_rule_over_real_rates_is_accepted():
    normal = rule_validate({"all": [{"metric": "approval_rate", "op": ">", "value": 95},
                                    {"metric": "approval_rate", "op": "<", "value": 96}]})
    assert [(c["metric"], c["op"], c["value"]) for c in normal["all"]] == [
        ("approval_rate", ">", 95), ("approval_rate", "<", 96)]


def test_rule_validate_fills_default_parameters():
    normal = rule_validate({"metric": "approval_rate", "op": ">=", "value": 95})
    assert normal["params"] == {"last": 100, "min_count": 10}


def test_explain_says_what_is_missing_in_words():
    rule = rule_validate({"all": [
        {"metric": "approved_assignments", "op": ">=", "value": 50, "params": {"category": "transcription"}},
        {"metric": "approval_rate", "op": ">=", "value": 95},
        {"metric": "tenure_days", "op": ">=", "value": 30},
        {"not": {"metric": "final_rejections", "op": ">", "value": 3}},
    ]})
    record = {"approved_assignments?category=transcription": 38, "approval_rate?last=100&min_count=10": Fraction(91),
              "approval_rate?last=100&min_count=10#decided": 100, "tenure_days": 45, "final_rejections": 1}
    tree = rule_explain(rule, record)
    clauses = explained_clauses(tree)
    assert not tree["passed"]
    assert [c["passed"] for c in clauses] == [False, False, True, True]
    assert clauses[0]["missing"] == "12 more approved transcription tasks"
    assert clauses[0]["value"] == 38 and clauses[0]["required"] == 50 and clauses[0]["progress"] == 76
    assert clauses[1]["missing"] == "approval rate 91% over the last 100, needs at least 95%"
    assert clauses[3]["op"] == "<=" and clauses[3]["text"] == "at most 3 final rejections"
    assert "at least 50 approved tasks in category “transcription”" in describe(rule)


def test_explain_without_enough_decided_tasks_says_so():
    rule = rule_validate({"metric": "approval_rate", "op": ">=", "value": 95, "params": {"min_count": 20}})
    clause = explained_clauses(rule_explain(rule, {"approval_rate?last=100&min_count=20": None,
                                                   "approval_rate?last=100&min_count=20#decided": 7}))[0]
    assert not clause["passed"]
    assert clause["missing"] == "an approval rate needs 20 decided tasks; you have 7"
