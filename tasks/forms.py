from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from coop.core.errors import DomainError
from coop.core.guard import json_loads
from coop.core.money import exponent, parse_amount
from coop.federation.labels import reasons_shown
from tasks.models import DATA_FLAGS
from tasks.transparency import LEGAL_REASONS, PURPOSES


class AmountField(forms.CharField):
    """An amount typed in major units ('0.50') -> minor units (50)."""

    def prepare_value(self, value):
        if isinstance(value, int):
            return str(Decimal(value).scaleb(-exponent()))
        return value

    def clean(self, value):
        value = super().clean(value)

        try:
            return parse_amount(value)
        except DomainError as exc:
            raise forms.ValidationError(str(exc.message))


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.CharField(label=_("Category"), max_length=60,
                               help_text=_("One short word: transcription, labelling, rating…"))
    instructions = forms.CharField(label=_("Instructions (Markdown)"), widget=forms.Textarea, required=False)
    question_form = forms.CharField(
        label=_("Question form (JSON)"),
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false", "translate": "no"}),
        help_text=_("A list of fields; see the description below the form."))
    reward = AmountField(label=_("Reward per assignment"), help_text=_("For example 0.50"))
    estimated_minutes = forms.IntegerField(label=_("Estimated minutes per assignment"), min_value=1)
    assignments_per_task = forms.IntegerField(label=_("Assignments per task (distinct members)"), min_value=1,
                                              initial=1)
    time_limit_minutes = forms.IntegerField(label=_("Time limit (minutes)"), min_value=1, initial=60)
    auto_approval_hours = forms.IntegerField(label=_("Approve automatically after (hours)"), min_value=1, initial=72)
    # issue 20: the view adds the coop's bound to the help text (the rulebook's gold_rate_max_pct)
    gold_rate_pct = forms.IntegerField(label=_("Gold tasks in each member's work (%)"), min_value=0, max_value=100,
                                       initial=0, required=False)
    data_flags = forms.MultipleChoiceField(label=_("This work involves"), choices=DATA_FLAGS, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    # issue 23: who the data is for and why, shown to members (docs/transparency.md)
    end_client = forms.CharField(label=_("Who the data is for (the end client, or your organisation itself)"),
                                 max_length=200, required=False)
    purpose = forms.ChoiceField(label=_("What the data is for"), required=False,
                                choices=[("", "—"), *PURPOSES])
    purpose_text = forms.CharField(label=_("The purpose in a sentence"), max_length=300, required=False)
    data_published = forms.TypedChoiceField(
        label=_("Will the data be published?"), required=False, empty_value=None,
        coerce=lambda v: {"yes": True, "no": False}.get(v),
        choices=[("", _("not said")), ("yes", _("yes")), ("no", _("no"))])
    legal_reason = forms.ChoiceField(label=_("Legal reason for a country requirement"), required=False,
                                     choices=[("", "—"), *LEGAL_REASONS],
                                     help_text=_("Required when a qualification this project requires is "
                                                 "limited to some countries."))
    legal_reason_text = forms.CharField(label=_("The law or approval, in a sentence"), max_length=300,
                                        required=False)

    def clean_gold_rate_pct(self):
        return self.cleaned_data.get("gold_rate_pct") or 0  # left empty: no gold mixed in

    def clean_question_form(self):
        try:
            return json_loads(self.cleaned_data["question_form"])
        except ValueError as exc:
            raise forms.ValidationError(_("This is not valid JSON: %(e)s") % {"e": exc})


class CsvUploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))


class RejectForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"))
    explanation = forms.CharField(label=_("Explanation for the member"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, reasons=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", "—")] + list(reasons_shown(reasons).items())


class RevisionForm(forms.Form):
    comment = forms.CharField(label=_("What should change"), widget=forms.Textarea(attrs={"rows": 3}))


class BonusForm(forms.Form):
    amount = AmountField(label=_("Bonus"))
    reason = forms.CharField(label=_("Why"), max_length=500)
