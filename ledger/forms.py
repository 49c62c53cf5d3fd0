from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from coop.core.errors import DomainError
from coop.core.money import parse_amount

PAYOUT_METHOD_LABELS = {"mobile_money": _("Mobile money"), "bank_transfer": _("Bank transfer")}


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
    amount = AmountField(label=_("Amount"), max_length=20)
    method = forms.ChoiceField(label=_("Method"))
    details = forms.CharField(label=_("Where to send it (number or account)"), max_length=300, required=False,
                              validators=[ProhibitNullCharactersValidator()])
    nonce = forms.CharField(widget=forms.HiddenInput, max_length=40, required=False)

    def __init__(self, *args, methods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = [(m, PAYOUT_METHOD_LABELS.get(m, m)) for m in methods]


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
