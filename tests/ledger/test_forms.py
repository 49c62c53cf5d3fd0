"""The ledger's forms (ledger/forms.py): amounts typed in major units cleaned to minor units,
the coop's own payout methods and hardship reasons offered, and bad input refused."""

import pytest

from ledger import forms
from tests.factories import ledger_organisation


def test_payout_request_form_cleans_the_amount_to_minor_units_and_offers_the_coops_methods():
    form = forms.PayoutRequestForm({"amount": "12.50", "method": "mobile_money", "details": "+261 34"},
                                   methods=["mobile_money"])
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == 1250
    assert form.fields["method"].choices == [("mobile_money", "Mobile money")]


def test_payout_request_form_refuses_a_method_the_coop_does_not_offer_and_a_bad_amount():
    form = forms.PayoutRequestForm({"amount": "twelve", "method": "bank_transfer"}, methods=["mobile_money"])
    assert not form.is_valid()
    assert set(form.errors) == {"amount", "method"}


def test_a_method_without_a_label_shows_its_code():
    assert forms.PayoutRequestForm(methods=["cash"]).fields["method"].choices == [("cash", "cash")]


@pytest.mark.parametrize(("form", "data", "field"), [
    (forms.SettleForm, {"reference": "SENT\x00"}, "reference"),
    (forms.FailForm, {"reason": ""}, "reason"),
    (forms.ReverseForm, {"transaction": "0", "reason": "typo"}, "transaction"),
    (forms.MonthForm, {"month": "2026-1"}, "month"),
    (forms.ContributionForm, {"amount": ""}, "amount"),
])
def test_bad_input_is_refused_on_its_field(form, data, field):
    bound = form(data)
    assert not bound.is_valid()
    assert list(bound.errors) == [field]


def test_month_form_accepts_a_month_or_nothing():
    assert forms.MonthForm({"month": "2026-11"}).is_valid()
    assert forms.MonthForm({}).is_valid()


def test_hardship_form_offers_the_given_reasons():
    form = forms.HardshipForm({"reason": "injury", "amount": "40", "statement": "I broke my wrist."},
                              reasons=[("injury", "Injury")])
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == 4000
    assert not forms.HardshipForm({"reason": "illness", "amount": "40", "statement": "x"},
                                  reasons=[("injury", "Injury")]).is_valid()


@pytest.mark.django_db
def test_deposit_form_picks_an_organisation():
    org = ledger_organisation()
    form = forms.DepositForm({"organisation": str(org.pk), "amount": "1000", "reference": "WIRE-1"})
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["organisation"], form.cleaned_data["amount"]) == (org, 100_000)
    assert not forms.DepositForm({"organisation": str(org.pk + 1), "amount": "1", "reference": "W"}).is_valid()
