"""The qualifications' page forms (tasks/qualifications/forms.py): rules and questions parsed as
untrusted JSON and shown back indented, the pay parsed to minor units, the owners and choices
given by the view."""

import json

import pytest

from tasks.qualifications import forms
from tests.factories import TEST_KEY, TEST_QUESTIONS, CoopFactory, computed_qualification

RULE = '{"metric": "tenure_days", "op": ">=", "value": 30}'


@pytest.mark.django_db
def test_qualification_form_parses_the_rule_and_offers_the_given_owners():
    coop = CoopFactory()
    form = forms.QualificationForm({"owner": f"coop:{coop.pk}", "name": "Senior", "kind": "computed", "rule": RULE})
    form.set_owners([(f"coop:{coop.pk}", coop.name)])
    assert form.is_valid(), form.errors
    assert form.cleaned_data["rule"] == {"metric": "tenure_days", "op": ">=", "value": 30}
    assert list(form.fields["coop"].queryset) == [coop]
    refused = forms.QualificationForm({"owner": "org:9", "name": "Senior", "kind": "computed", "rule": RULE})
    refused.set_owners([(f"coop:{coop.pk}", coop.name)])
    assert not refused.is_valid() and list(refused.errors) == ["owner"]


def test_a_rule_that_is_not_json_is_refused_with_the_parsers_reason():
    form = forms.VersionForm({"rule": '{"metric": ', "reason": ""})
    assert not form.is_valid()
    assert form.errors["rule"][0].startswith("This is not valid JSON")
    assert not forms.VersionForm({"rule": '{"a": "\x00"}'}).is_valid()  # a null character
    assert forms.VersionForm({"rule": ""}).errors["rule"] == ["This field is required."]


def test_json_is_shown_back_indented():
    field = forms.JSONField()
    assert field.prepare_value({"a": [1]}) == '{\n  "a": [\n    1\n  ]\n}'
    assert field.prepare_value("as typed") == "as typed"


@pytest.mark.django_db
def test_test_form_parses_questions_key_and_pay():
    coop = CoopFactory()
    data = {"owner": f"coop:{coop.pk}", "name": "Malagasy", "questions": json.dumps(TEST_QUESTIONS),
            "answer_key": json.dumps(TEST_KEY), "pass_mark": "75", "estimated_minutes": "10",
            "time_limit_minutes": "30", "retry_hours": "0", "reward": "3.00"}
    form = forms.TestForm(data)
    form.set_owners([(f"coop:{coop.pk}", coop.name)])
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["reward"], form.cleaned_data["answer_key"]) == (300, TEST_KEY)
    bad = forms.TestForm({**data, "reward": "3.001", "pass_mark": "101"})
    bad.set_owners([(f"coop:{coop.pk}", coop.name)])
    assert not bad.is_valid() and set(bad.errors) == {"reward", "pass_mark"}


@pytest.mark.django_db
def test_requirements_form_accepts_only_the_choices_given():
    coop = CoopFactory()
    mine, other = computed_qualification(coop), computed_qualification(CoopFactory())
    form = forms.RequirementsForm({"qualifications": [str(mine.pk)]},
                                  choices=type(mine).objects.filter(coop=coop))
    assert form.is_valid() and list(form.cleaned_data["qualifications"]) == [mine]
    assert not forms.RequirementsForm({"qualifications": [str(other.pk)]},
                                      choices=type(mine).objects.filter(coop=coop)).is_valid()
    assert not forms.FundForm({"attempts": "0"}).is_valid()
