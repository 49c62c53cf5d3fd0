"""The rule language of computed qualifications: typed JSON, never code.

A rule is one node:
  {"all": [node, ...]}          every child holds
  {"any": [node, ...]}          at least one child holds
  {"not": node}                 the child does not hold
  {"metric": name, "op": op, "value": v, "params": {...}}     a comparison (a "clause")

`rule_validate` checks a rule and returns its normal form (parameters with their defaults,
numbers as numbers); it refuses unknown metrics, wrong types and rules that can never be met,
naming where (`all[1].value`). `rule_evaluate` says whether a member's record meets it, and
`rule_explain` says, clause by clause, the member's value, the required value, pass or fail
and what is missing in words.

A record maps `clause_key(clause)` to the member's value: an int or a Fraction for number
metrics (None when there is no value, e.g. too few decided tasks for an approval rate; every
comparison with None is false), a list of codes for `languages`, a code for `country`.
Numbers are compared as numbers (Fractions, exact), never as text.
One module per concern: `validation` (normal form, satisfiability), `evaluation`, `words`
(a rule as text) and `explain` (a record against a rule, in words)."""

from tasks.qualifications.rules.evaluation import clause_holds, rule_evaluate
from tasks.qualifications.rules.explain import evidence_numbers, explained_clauses, rule_explain
from tasks.qualifications.rules.validation import (
    MAX_CHILDREN,
    MAX_CONJUNCTS,
    MAX_DEPTH,
    MAX_NODES,
    clause_key,
    rule_clauses,
    rule_keys,
    rule_validate,
)
from tasks.qualifications.rules.words import clause_text, describe, language_name

__all__ = [
    "MAX_CHILDREN", "MAX_CONJUNCTS", "MAX_DEPTH", "MAX_NODES", "clause_holds", "clause_key", "clause_text", "describe",
    "evidence_numbers", "explained_clauses", "language_name", "rule_clauses", "rule_evaluate", "rule_explain",
    "rule_keys", "rule_validate",
]
