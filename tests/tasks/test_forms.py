"""The marketplace's forms (tasks/forms.py): amounts in major units to minor units and back,
the question form parsed as untrusted JSON, the coop's rejection reasons offered."""

import json

from tasks import forms
from tests.factories import QUESTION_FORM

PROJECT = {"title": "Cats", "category": "labelling", "instructions": "", "question_form": json.dumps(QUESTION_FORM),
           "reward": "0.50", "estimated_minutes": "2", "assignments_per_task": "1", "time_limit_minutes": "30",
           "auto_approval_hours": "72", "data_published": "no"}


def test_project_form_cleans_reward_and_question_form():
    form = forms.ProjectForm(PROJECT)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["reward"] == 50
    assert form.cleaned_data["question_form"] == QUESTION_FORM
    assert form.cleaned_data["data_published"] is False


def test_project_form_refuses_bad_json_and_a_negative_reward():
    form = forms.ProjectForm({**PROJECT, "question_form": "[{", "reward": "-1"})
    assert not form.is_valid()
    assert set(form.errors) == {"question_form", "reward"}
    assert "not valid JSON" in form.errors["question_form"][0]


def test_project_form_refuses_json_nested_too_deep():
    form = forms.ProjectForm({**PROJECT, "question_form": "[" * 200 + "]" * 200})
    assert not form.is_valid()
    assert "question_form" in form.errors


def test_amount_field_shows_minor_units_as_major():
    field = forms.AmountField()
    assert field.prepare_value(1250) == "12.50"
    assert field.prepare_value("typed") == "typed"


def test_reject_form_offers_the_coops_reasons():
    form = forms.RejectForm({"reason": "incomplete", "explanation": "Half the lines are missing."},
                            reasons={"incomplete": "", "off_topic": "Not what was asked"})
    assert [code for code, _label in form.fields["reason"].choices] == ["", "incomplete", "off_topic"]
    assert form.is_valid(), form.errors
    assert not forms.RejectForm({"reason": "rude", "explanation": "x"}, reasons={"incomplete": ""}).is_valid()


def test_bonus_form_needs_an_amount_and_a_reason():
    form = forms.BonusForm({"amount": "1", "reason": "Great work"})
    assert form.is_valid() and form.cleaned_data["amount"] == 100
    assert set(forms.BonusForm({"amount": "1.001", "reason": ""}).errors) == {"amount", "reason"}
