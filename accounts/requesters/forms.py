from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiKey, OrganisationStaff

NUL = [ProhibitNullCharactersValidator()]


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Organisation name"), max_length=160, validators=NUL)
    country = forms.CharField(label=_("Country (2 letters)"), max_length=2, required=False, validators=NUL)
    contact_email = forms.EmailField(label=_("Contact email"), required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    description = forms.CharField(label=_("What you do (shown to members)"), required=False, max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 4}), validators=NUL)


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email of the person to invite"))
    role = forms.ChoiceField(label=_("Role"), choices=OrganisationStaff.Role.choices,
                             initial=OrganisationStaff.Role.STAFF)


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("Key name (e.g. the script using it)"), max_length=80, validators=NUL)
    scopes = forms.MultipleChoiceField(
        label=_("What the key may do"), widget=forms.CheckboxSelectMultiple, initial=[ApiKey.Scope.READ],
        choices=[(value, format_lazy("{} — {}", label, ApiKey.SCOPE_HELP[value]))
                 for value, label in ApiKey.Scope.choices],
        help_text=_("Give a key only what its script needs. Only owners may give the admin scope."))


class SuspendForm(forms.Form):
    reason = forms.CharField(label=_("Reason (shown to the organisation's staff)"), min_length=10, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}), validators=NUL)


class TermsForm(forms.Form):
    text = forms.CharField(label=_("Text of the new terms (Markdown)"), widget=forms.Textarea(attrs={"rows": 10}),
                           validators=NUL)
