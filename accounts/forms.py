from django import forms
from django.contrib.auth import password_validation
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from accounts.models import MemberProfile


class SignupForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    display_name = forms.CharField(label=_("Display name"), max_length=80,
                                   validators=[ProhibitNullCharactersValidator()])
    country = forms.CharField(label=_("Country (2 letters)"), max_length=2, required=False)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)

    def clean(self):
        data = super().clean()
        if data.get("password"):
            password_validation.validate_password(data["password"])
        return data


class ProfileForm(forms.ModelForm):
    languages = forms.CharField(label=_("Languages (comma-separated codes, e.g. fr, en, mg)"), required=False)

    class Meta:
        model = MemberProfile
        fields = ["display_name", "country", "timezone", "email_notices"]

    def clean_languages(self):
        raw = self.cleaned_data.get("languages") or ""
        return [x.strip().lower() for x in raw.split(",") if x.strip()][:10]
