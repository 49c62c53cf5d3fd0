from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from coop.core.errors import DomainError
from coop.core.money import LOCAL_CURRENCIES, parse_amount
from coop.federation.labels import code_label
from ledger.payout_methods import ALL_FIELDS, METHODS


class AmountField(forms.CharField):
    """An amount typed as '12.50', cleaned to integer minor units."""

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return value
        try:
            return parse_amount(value)
        except DomainError as exc:
            raise forms.ValidationError(exc.message)


class PayoutRequestForm(forms.Form):
    """The amount, the method, and the fields of every method the coop offers (named `dest_*`;
    static/js/payout_fields.js shows only the chosen method's). The service checks the chosen
    method's fields (ledger/payout_methods.py) and the view puts its errors on them."""

    amount = AmountField(label=_("Amount"), max_length=20)
    method = forms.ChoiceField(label=_("Method"))
    nonce = forms.CharField(widget=forms.HiddenInput, max_length=40, required=False)

    def __init__(self, *args, methods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = [(m, code_label(m)) for m in methods]
        self.fields["method"].widget.attrs["data-payout-method"] = ""
        offered = [METHODS[m] for m in methods if m in METHODS]
        for field in ALL_FIELDS:
            users = [m.code for m in offered if field.name in {f.name for f in m.fields}]
            if users:
                self.fields[f"dest_{field.name}"] = forms.CharField(
                    label=field.label, max_length=100, required=False,
                    widget=forms.TextInput(attrs={"data-methods": " ".join(users),
                                                  "inputmode": "tel" if field.kind == "phone" else "text"}))

    def destination(self):
        """The chosen method's fields, as the service takes them."""
        spec = METHODS.get(self.cleaned_data["method"])
        names = [f.name for f in spec.fields] if spec else []
        return {name: self.cleaned_data.get(f"dest_{name}", "") for name in names}


class SettleForm(forms.Form):
    reference = forms.CharField(label=_("Payment reference"), max_length=200,
                                validators=[ProhibitNullCharactersValidator()])


class FailForm(forms.Form):
    reason = forms.CharField(label=_("Why it failed"), max_length=300, validators=[ProhibitNullCharactersValidator()])


class DepositForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Requester"), queryset=Organisation.objects.order_by("name"))
    amount = AmountField(label=_("Amount received"), max_length=20)
    reference = forms.CharField(label=_("Bank or payment reference"), max_length=100,
                                validators=[ProhibitNullCharactersValidator()])


class ReverseForm(forms.Form):
    transaction = forms.IntegerField(label=_("Transaction number"), min_value=1)
    reason = forms.CharField(label=_("Reason"), max_length=300, validators=[ProhibitNullCharactersValidator()])


class MonthForm(forms.Form):
    month = forms.RegexField(regex=r"^\d{4}-\d{2}$", required=False)


# --- the solidarity fund (issue 23) --------------------------------------------------------

class ContributionForm(forms.Form):
    amount = AmountField(label=_("Amount to give"), max_length=20)
    nonce = forms.CharField(widget=forms.HiddenInput, max_length=40, required=False)


class HardshipForm(forms.Form):
    reason = forms.ChoiceField(label=_("What happened"))
    amount = AmountField(label=_("Amount you ask for"), max_length=20)
    statement = forms.CharField(label=_("Your statement (read only by your coop's stewards)"), max_length=2000,
                                widget=forms.Textarea(attrs={"rows": 4}),
                                validators=[ProhibitNullCharactersValidator()])

    def __init__(self, *args, reasons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = list(reasons)


class HardshipDecisionForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve", "approve"), ("refuse", "refuse"), ("vote", "vote")])
    note = forms.CharField(max_length=300, required=False, validators=[ProhibitNullCharactersValidator()])


# --- patronage (issue 23) --------------------------------------------------------------------

class PatronageProposeForm(forms.Form):
    amount = AmountField(label=_("Amount of the surplus to share"), max_length=20)


class PatronagePayForm(forms.Form):
    distribution = forms.IntegerField(min_value=1)


# --- the operator's exchange rates (issue 23) ----------------------------------------------

class ExchangeRateForm(forms.Form):
    currency = forms.ChoiceField(label=_("Currency"), choices=list(LOCAL_CURRENCIES.items()))
    rate = forms.CharField(label=_("Units for one unit of the federation's currency"), max_length=30)
    date = forms.DateField(label=_("As of (YYYY-MM-DD)"), required=False,
                           widget=forms.DateInput(attrs={"type": "date"}))
