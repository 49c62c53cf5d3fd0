"""Rulebook parameters checked against the federation's bound of their declared kind."""

import pytest

from coop.core.errors import DomainError
from coop.federation import rulebook as spec
from coop.federation.rulebook import BY_NAME, check_bound, validate_parameters


def params(**changes):
    values = spec.default_parameters()
    values.update(changes)
    return values


BOUNDS = spec.default_federation_bounds()


def errors_of(values, bounds=BOUNDS):
    with pytest.raises(DomainError) as info:
        validate_parameters(values, bounds)
    assert info.value.code == "invalid_parameters"
    return info.value.extra["parameters"]


def test_the_defaults_are_valid_within_the_default_federation_bounds():
    assert validate_parameters(spec.default_parameters(), BOUNDS)


def test_every_parameter_of_the_design_table_is_declared_with_its_bound_kind():
    kinds = {p.name: p.bound for p in spec.PARAMETERS}
    assert kinds == {
        "floor_hourly_rate": "min", "platform_fee_bps": "max", "federation_share_bps": "federation",
        "juror_fund_bps": "min", "auto_approval_hours": "max", "allocation_policy": "free",
        "fair_share_window_minutes": "range", "max_open_assignments": "range",
        "banned_data_categories": "superset", "rejection_reasons": "subset", "appeal_window_days": "min",
        "jury_size": "min", "juror_minutes": "min", "jury_response_hours": "range", "brake_rejection_pct": "max",
        "brake_rejections_per_member_day": "max", "flag_threshold": "max", "payout_minimum": "max",
        "payout_methods": "free", "payout_four_eyes_above": "max", "max_test_attempts": "min",
        "test_retry_hours": "max", "discussion_days": "range", "voting_days": "range", "quorum_pct": "range",
        "participation_window_days": "range", "threshold_pct": "range", "supermajority": "range",
        # issue 16: the juror fund's reserve, and when the floor is checked against measured time
        "juror_fund_reserve": "range", "floor_check_submissions": "max",
        # issue 23: the solidarity fund
        "transparency_required": "free", "qualification_drought_days": "range", "disturbing_tasks_per_day": "range",
        "patronage_period": "free", "patronage_measure": "free",  # issue 23: patronage
        "disturbing_minutes_in_a_row": "range",
        "disturbing_pause_minutes": "range", "disturbing_premium_pct": "min",
        "solidarity_fund_bps": "range", "solidarity_steward_grant_max": "range",
        "solidarity_vote_hours": "range",
        # issue 20: the most gold tasks a project may mix into each member's work
        "gold_rate_max_pct": "max",
    }
    assert BOUNDS["auto_approval_hours"] == 168  # DESIGN.md: federation high 168


# --- min: the coop may only raise it --------------------------------------------------------

def test_min_bound_accepts_equal_and_higher():
    assert validate_parameters(params(floor_hourly_rate=1200), BOUNDS)["floor_hourly_rate"] == 1200
    assert validate_parameters(params(floor_hourly_rate=2500), BOUNDS)["floor_hourly_rate"] == 2500


def test_min_bound_refuses_lower():
    assert "minimum is $12.00" in errors_of(params(floor_hourly_rate=1199))["floor_hourly_rate"]


# --- max: only lower it ---------------------------------------------------------------------

def test_max_bound_accepts_equal_and_lower():
    accepted = validate_parameters(params(platform_fee_bps=1000, auto_approval_hours=168), BOUNDS)
    assert (accepted["platform_fee_bps"], accepted["auto_approval_hours"]) == (1000, 168)
    accepted = validate_parameters(params(platform_fee_bps=0, auto_approval_hours=24), BOUNDS)
    assert (accepted["platform_fee_bps"], accepted["auto_approval_hours"]) == (0, 24)


def test_max_bound_refuses_higher():
    errors = errors_of(params(platform_fee_bps=1001, auto_approval_hours=169))
    assert "maximum is 10\u00a0%" in errors["platform_fee_bps"] and "maximum is 168" in errors["auto_approval_hours"]


# --- range: within low and high, inclusive --------------------------------------------------

@pytest.mark.parametrize("value, ok", [(0, True), (1440, True), (720, True), (1441, False)])
def test_range_bound_on_integers(value, ok):
    values = params(fair_share_window_minutes=value)
    if ok:
        assert validate_parameters(values, BOUNDS)["fair_share_window_minutes"] == value
    else:
        assert "between 0 and 1440" in errors_of(values)["fair_share_window_minutes"]


def test_range_bound_below_the_low_end():
    assert "between 12 and 72" in errors_of(params(jury_response_hours=11))["jury_response_hours"]


@pytest.mark.parametrize("value, ok", [("1/2", True), ("9/10", True), ("3/4", True), ("2/5", False),
                                       ("19/20", False)])
def test_range_bound_on_fractions_compares_exactly(value, ok):
    values = params(supermajority=value)
    if ok:
        assert validate_parameters(values, BOUNDS)["supermajority"] == value
    else:
        assert "between 1/2 and 9/10" in errors_of(values)["supermajority"]


# --- subset: the coop's list is within the federation's ---------------------------------------

def test_subset_bound_accepts_fewer_reasons():
    reasons = {k: v for k, v in spec.REJECTION_REASONS.items() if k != "duplicate"}
    accepted = validate_parameters(params(rejection_reasons=reasons), BOUNDS)["rejection_reasons"]
    assert set(accepted) == set(spec.REJECTION_REASONS) - {"duplicate"}


def test_subset_bound_refuses_a_reason_the_federation_does_not_list():
    reasons = dict(spec.REJECTION_REASONS, looked_at_me_funny="The requester did not like it.")
    assert "federation's list" in errors_of(params(rejection_reasons=reasons))["rejection_reasons"]


# --- superset: the coop keeps the federation's entries and may add ------------------------------

def test_superset_bound_with_a_federation_ban_the_coop_must_keep_it():
    bounds = dict(BOUNDS, banned_data_categories=["faces_or_identity_documents"])
    validate_parameters(params(banned_data_categories=["faces_or_identity_documents", "adult_content"]), bounds)
    errors = errors_of(params(banned_data_categories=["adult_content"]), bounds)
    assert "faces_or_identity_documents" in errors["banned_data_categories"]


# --- federation: only the federation sets it ------------------------------------------------

def test_federation_bound_refuses_any_other_value():
    validate_parameters(params(federation_share_bps=2000), BOUNDS)
    assert "only the federation" in errors_of(params(federation_share_bps=1999))["federation_share_bps"]


# --- free: any valid value ------------------------------------------------------------------

def test_free_bound_accepts_any_valid_choice_but_not_an_unknown_one():
    validate_parameters(params(allocation_policy="first_come", payout_methods=["mobile_money"]), BOUNDS)
    errors = errors_of(params(allocation_policy="lottery", payout_methods=["vouchers"]))
    assert "must be one of" in errors["allocation_policy"] and "payout_methods" in errors


# --- types and absolute validity ------------------------------------------------------------

@pytest.mark.parametrize("size, ok", [(3, True), (5, True), (4, False), (1, False)])
def test_jury_size_must_be_odd_and_at_least_the_federation_minimum(size, ok):
    values = params(jury_size=size)
    if ok:
        validate_parameters(values, BOUNDS)
    else:
        assert "jury_size" in errors_of(values)


def test_jury_size_even_names_odd():
    assert errors_of(params(jury_size=4))["jury_size"] == "must be an odd number"


@pytest.mark.parametrize("value", ["1200", 12.5, True, None])
def test_integer_parameters_refuse_other_types(value):
    assert errors_of(params(floor_hourly_rate=value))["floor_hourly_rate"] == "must be a whole number"


def test_percentages_and_bps_have_absolute_limits():
    bounds = dict(BOUNDS, platform_fee_bps=20000)
    assert errors_of(params(platform_fee_bps=10001), bounds)["platform_fee_bps"] == "must be at most 10000"


def test_missing_and_unknown_parameters_are_named():
    values = params(surprise=1)
    del values["quorum_pct"]
    errors = errors_of(values)
    assert errors["quorum_pct"] == "missing" and errors["surprise"] == "unknown parameter"


def test_check_bound_and_describe_bound_agree_on_each_kind():
    cases = [("floor_hourly_rate", 1200, "at least 1200"), ("platform_fee_bps", 1000, "at most 1000"),
             ("quorum_pct", [5, 100], "between 5 and 100"), ("federation_share_bps", 2000,
                                                               "set by the federation: 2000"),
             ("payout_methods", None, "free choice"), ("banned_data_categories", [], "must include —")]
    for name, bound, text in cases:
        assert str(spec.describe_bound(BY_NAME[name], bound)) == text
    assert check_bound(BY_NAME["quorum_pct"], 5, [5, 100]) is None
