from zoneinfo import available_timezones

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


class SignupConfirmForm(forms.Form):
    password = forms.CharField(label=_("The password you chose when signing up"), widget=forms.PasswordInput,
                               strip=False, max_length=256)


class ProfileForm(forms.ModelForm):
    languages = forms.CharField(label=_("Languages you work in (codes, comma-separated, e.g. fr, en, mg)"),
                                required=False, max_length=200)
    timezone = forms.CharField(label=_("Time zone (e.g. Indian/Antananarivo, Africa/Lagos)"), max_length=64)

    class Meta:
        model = MemberProfile
        fields = ["display_name", "country", "timezone", "email_notices", "fallback_language", "display_currency"]

    def clean_country(self):
        country = (self.cleaned_data.get("country") or "").strip().upper()
        if country and not (len(country) == 2 and country.isalpha()):
            raise forms.ValidationError(_("Two letters, e.g. MG."))
        return country

    def clean_timezone(self):
        name = (self.cleaned_data.get("timezone") or "").strip()
        if name not in available_timezones():
            raise forms.ValidationError(_("Unknown time zone. Use a name like Africa/Lagos or UTC."))
        return name

    def clean_languages(self):
        raw = self.cleaned_data.get("languages") or ""
        codes = [x.strip().lower() for x in raw.split(",") if x.strip()]
        bad = [c for c in codes if not (2 <= len(c) <= 3 and c.isascii() and c.isalpha())]
        if bad:
            raise forms.ValidationError(_("Use two- or three-letter language codes (not %(bad)s).")
                                        % {"bad": ", ".join(bad)})
        return list(dict.fromkeys(codes))[:10]


class ErasureForm(forms.Form):
    password = forms.CharField(label=_("Your password"), widget=forms.PasswordInput, strip=False, max_length=256)
    donate_balance = forms.BooleanField(label=_("Give what is left in my wallet to my coop's treasury"),
                                        required=False)
    confirm = forms.BooleanField(label=_("I understand that this erases my data and cannot be undone"))
