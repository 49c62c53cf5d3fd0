"""The metrics a rule may name (tasks/qualifications/metrics.py): their operators by kind, their
parameters, and the negation of every operator."""

import pytest

from tasks.qualifications import metrics


def test_every_metric_is_found_by_its_name_and_unknown_ones_are_none():
    for metric in metrics.METRICS:
        assert metrics.metric_get(metric.name) is metric
    assert metrics.metric_get("karma") is None


@pytest.mark.parametrize(("name", "ops"), [
    ("approved_assignments", (">=", ">", "<=", "<", "==", "!=")),
    ("languages", ("has",)),
    ("country", ("in",)),
])
def test_operators_follow_the_kind_of_metric(name, ops):
    assert metrics.metric_get(name).ops == ops


def test_parameters_of_a_metric():
    rate = metrics.metric_get("approval_rate")
    assert rate.param("last").default == 100 and rate.param("min_count").default == 10
    assert rate.param("days") is None
    assert not rate.integer and rate.maximum == 100
    approved = metrics.metric_get("approved_assignments")
    assert [p.name for p in approved.params] == ["category", "days"]
    assert (approved.param("days").minimum, approved.param("days").maximum) == (1, 3650)


def test_negation_is_an_involution_covering_every_operator():
    ops = {op for metric in metrics.METRICS for op in metric.ops}
    assert ops <= set(metrics.NEGATION)
    for op, negated in metrics.NEGATION.items():
        assert metrics.NEGATION[negated] == op and negated != op
