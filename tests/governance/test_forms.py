"""coop/governance/forms.py: values read and shown in the units members use (money, percent,
durations, fractions), and the propose form turning its fields into `proposal_create` items."""

import pytest

from coop.core.errors import DomainError
from coop.federation import rulebook as spec
from coop.governance.forms import ProposeForm, parse_bound, parse_value, show, unit_of
from coop.governance.selectors import propose_choices
from tests.factories import CoopFactory, member, steward

P = spec.BY_NAME


def test_unit_of_names_durations_only():
    assert unit_of(P["auto_approval_hours"]) == "hours"
    assert unit_of(P["platform_fee_bps"]) == ""
    assert unit_of(P["quorum_pct"]) == ""


def test_parse_value_reads_each_type():
    assert parse_value(P["floor_hourly_rate"], " 15.00 ") == 1500
    assert parse_value(P["platform_fee_bps"], "4,5 %") == 450
    assert parse_value(P["auto_approval_hours"], "48") == 48
    assert parse_value(P["quorum_pct"], "30%") == 30
    assert parse_value(P["payout_methods"], "bank, , mobile_money") == ["bank", "mobile_money"]


@pytest.mark.parametrize(("name", "text", "code"), [
    ("platform_fee_bps", "four", "invalid_parameter"),
    ("platform_fee_bps", "4.555", "invalid_parameter"),  # basis points are whole
    ("auto_approval_hours", "two days", "invalid_parameter"),
    ("floor_hourly_rate", "-3", "invalid_amount"),
])
def test_parse_value_refuses_what_it_cannot_read(name, text, code):
    with pytest.raises(DomainError) as caught:
        parse_value(P[name], text)
    assert caught.value.code == code


def test_show_speaks_in_units():
    assert show(P["auto_approval_hours"], 72) == "72 hours"
    assert show(P["supermajority"], "2/3") == "two thirds (67 %)"
    assert show(P["quorum_pct"], None) == "—"
    assert show(P["payout_methods"], []) == "—"


def test_parse_bound_reads_json_or_a_plain_value():
    assert parse_bound(P["quorum_pct"], "[5, 100]") == [5, 100]
    assert parse_bound(P["floor_hourly_rate"], "1500") == 1500  # bounds are JSON, in minor units
    assert parse_bound(P["payout_methods"], "bank, mobile_money") == ["bank", "mobile_money"]  # not JSON: a list


@pytest.mark.django_db
def test_propose_form_turns_fields_into_change_items():
    coop = CoopFactory()
    author, candidate = member(coop), member(coop)
    choices = propose_choices(user=author.user)
    form = ProposeForm({"title": "Better pay", "p_floor_hourly_rate": "15.00", "p_platform_fee_bps": "4.5",
                        "data_category": "ban:adult_content", "steward": f"elect:{candidate.pk}",
                        "article_number": "8", "article_title": "Care", "article_body": "We care."},
                       choices=choices)
    assert form.is_valid(), form.errors
    assert form.changes() == [
        {"kind": "parameter", "name": "floor_hourly_rate", "value": 1500},
        {"kind": "parameter", "name": "platform_fee_bps", "value": 450},
        {"kind": "article", "number": 8, "title": "Care", "body": "We care."},
        {"kind": "data_category", "category": "adult_content", "action": "ban"},
        {"kind": "steward_elect", "membership": candidate.pk},
    ]
    assert "federation" not in form.fields  # a member cannot propose federation-wide


@pytest.mark.django_db
def test_propose_form_rule_builder_and_its_errors():
    boss = steward(CoopFactory())
    choices = propose_choices(user=boss.user)
    assert "federation_parameter" in ProposeForm(choices=choices).fields  # stewards may
    form = ProposeForm({"title": "Rule", "rule_metric_1": "approved_assignments", "rule_op_1": ">=",
                        "rule_value_1": "10",
                        "rule_metric_2": "country", "rule_op_2": "in", "rule_value_2": "mg, ke",
                        "rule_join": "any"}, choices=choices)
    assert form.is_valid(), form.errors
    assert form.rule() == {"any": [{"metric": "approved_assignments", "op": ">=", "value": 10},
                                   {"metric": "country", "op": "in", "value": ["MG", "KE"]}]}
    bad = ProposeForm({"title": "Rule", "qualification_rule": "{not json"}, choices=choices)
    assert bad.is_valid()
    with pytest.raises(DomainError) as caught:
        bad.rule()
    assert caught.value.code == "invalid_rule"
    assert bad.rule_json() is None
