from django import forms
from django.core.validators import ProhibitNullCharactersValidator, RegexValidator
from django.utils.translation import gettext_lazy as _

from coop.federation.models import Coop

NO_NUL = [ProhibitNullCharactersValidator()]


class ApplyForm(forms.Form):
    coop = forms.ModelChoiceField(label=_("Coop"), queryset=Coop.objects.all())
    statement = forms.CharField(label=_("Why do you want to join? (a sentence or two)"), widget=forms.Textarea,
                                max_length=2000, validators=NO_NUL)


class ReasonForm(forms.Form):
    """Decline an application or reinstate a member: a written reason."""

    reason = forms.CharField(label=_("Reason (the member will read it)"), widget=forms.Textarea(attrs={"rows": 3}),
                             min_length=10, max_length=2000, validators=NO_NUL)


class SuspendForm(forms.Form):
    article = forms.TypedChoiceField(label=_("Article of the rulebook breached"), coerce=int, choices=())
    reason = forms.CharField(label=_("Reason (the member will read it)"), widget=forms.Textarea(attrs={"rows": 3}),
                             min_length=10, max_length=2000, validators=NO_NUL)

    def __init__(self, *args, articles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["article"].choices = [("", "—")] + [
            (a.number, _("Article %(n)s: %(title)s") % {"n": a.number, "title": a.title}) for a in articles
        ]


class CoopCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120, validators=NO_NUL)
    slug = forms.SlugField(label=_("Short name (used in addresses)"), max_length=50)
    country = forms.CharField(label=_("Country (2 letters)"), max_length=2, required=False,
                              validators=[RegexValidator(r"^[A-Za-z]{2}$", _("Two letters, e.g. MG."))])
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                  max_length=2000, validators=NO_NUL)
    stewards = forms.CharField(label=_("Founding stewards (emails of existing accounts, comma-separated)"),
                               required=False, max_length=2000)

    def clean_stewards(self):
        raw = self.cleaned_data.get("stewards") or ""
        emails = [e.strip().lower() for e in raw.replace(";", ",").split(",") if e.strip()]
        validator = forms.EmailField()
        for email in emails:
            validator.clean(email)
        return emails


class StewardAppointForm(forms.Form):
    coop = forms.ModelChoiceField(label=_("Coop"), queryset=Coop.objects.all())
    email = forms.EmailField(label=_("Email of an existing account"))


class SupportContactForm(forms.Form):
    support_contact = forms.CharField(
        label=_("Support contact"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 4}),
        validators=[ProhibitNullCharactersValidator()],
        help_text=_("Who members doing disturbing work can reach: a counsellor, a helpline, a steward on call; "
                    "names, numbers, hours."))
