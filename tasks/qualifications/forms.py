"""Page forms: they check shape (JSON parses, numbers are numbers); the services check rules."""

import json

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from coop.core.errors import DomainError
from coop.core.guard import json_loads
from coop.core.money import parse_amount
from coop.federation.models import Coop

# Django does not escape help_text: the example is code, marked so translators leave it.
RULE_HELP = format_lazy('{} <code translate="no">{}</code>', _("JSON, for example:"),
                        '{"all": [{"metric": "tenure_days", "op": "&gt;=", "value": 180}, {"metric": "approval_rate", '
                        '"op": "&gt;=", "value": 95, "params": {"last": 100, "min_count": 20}}]}')


class JSONField(forms.CharField):
    widget = forms.Textarea

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", [ProhibitNullCharactersValidator()])
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in (None, ""):
            return None
        try:
            return json_loads(value)
        except ValueError as exc:
            raise forms.ValidationError(_("This is not valid JSON: %(e)s") % {"e": exc})

    def prepare_value(self, value):
        if isinstance(value, dict | list):
            return json.dumps(value, indent=2, ensure_ascii=False)
        return value


class OwnerChoiceMixin:
    def set_owners(self, owners):
        """`owners`: list of (value, label), "coop:<id>" for a steward's coop, "org:<id>" for a requester."""
        self.fields["owner"].choices = owners


class QualificationForm(OwnerChoiceMixin, forms.Form):
    owner = forms.ChoiceField(label=_("Owner"))
    coop = forms.ModelChoiceField(queryset=None, label=_("Coop where it is published"), required=False,
                                  help_text=_("For a requester's qualification: the coop its projects go to."))
    name = forms.CharField(label=_("Name"), max_length=120, validators=[ProhibitNullCharactersValidator()])
    kind = forms.ChoiceField(label=_("Kind"), choices=[("computed", _("computed from members' records")),
                                                       ("granted", _("granted by hand, with a reason"))])
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False,
                                  validators=[ProhibitNullCharactersValidator()])
    rule = JSONField(label=_("Rule"), required=False, help_text=RULE_HELP)
    reason = forms.CharField(label=_("Reason (members read it)"), widget=forms.Textarea, required=False,
                             validators=[ProhibitNullCharactersValidator()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coop"].queryset = Coop.objects.order_by("name")


class VersionForm(forms.Form):
    rule = JSONField(label=_("New rule"), help_text=RULE_HELP)
    reason = forms.CharField(label=_("Why it changes (members read it)"), widget=forms.Textarea, required=False,
                             validators=[ProhibitNullCharactersValidator()])


class GrantForm(forms.Form):
    member = forms.CharField(label=_("Member"), max_length=200,
                             help_text=_("A steward: the member's email. A requester: the worker id you see."))
    reason = forms.CharField(label=_("Reason (the member reads it)"), widget=forms.Textarea,
                             validators=[ProhibitNullCharactersValidator()])


class TestForm(OwnerChoiceMixin, forms.Form):
    owner = forms.ChoiceField(label=_("Owner"))
    coop = forms.ModelChoiceField(queryset=None, label=_("Coop where it is published"), required=False)
    name = forms.CharField(label=_("Qualification name"), max_length=120)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    instructions = forms.CharField(label=_("Instructions (Markdown)"), widget=forms.Textarea, required=False)
    questions = JSONField(label=_("Questions (the same form fields as tasks)"))
    answer_key = JSONField(label=_("Answer key"), help_text=_('{"question name": "expected answer", ...}'))
    pass_mark = forms.IntegerField(label=_("Pass mark (% of answers right)"), min_value=1, max_value=100, initial=80)
    estimated_minutes = forms.IntegerField(label=_("Estimated minutes"), min_value=1, initial=10)
    time_limit_minutes = forms.IntegerField(label=_("Time limit (minutes)"), min_value=1, initial=30)
    retry_hours = forms.IntegerField(label=_("Hours before another attempt"), min_value=0, initial=24)
    reward = forms.CharField(label=_("Pay per attempt"), max_length=20)
    reason = forms.CharField(label=_("Reason (for the coop's own tests; members read it)"), widget=forms.Textarea,
                             required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coop"].queryset = Coop.objects.order_by("name")

    def clean_reward(self):
        try:
            return parse_amount(self.cleaned_data["reward"])
        except DomainError as exc:
            raise forms.ValidationError(exc.message)


class FundForm(forms.Form):
    attempts = forms.IntegerField(label=_("Attempts to fund"), min_value=1, max_value=10_000, initial=20)


class RequirementsForm(forms.Form):
    qualifications = forms.ModelMultipleChoiceField(queryset=None, required=False,
                                                    widget=forms.CheckboxSelectMultiple,
                                                    label=_("Required qualifications"))

    def __init__(self, *args, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["qualifications"].queryset = choices
