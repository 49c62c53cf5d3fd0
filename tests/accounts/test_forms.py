"""accounts/forms.py: the sign-up form applies the password rules; the profile form cleans
country, time zone and language codes; erasure must be confirmed."""

import pytest

from accounts.forms import ErasureForm, ProfileForm, SignupForm


def test_signup_form_applies_the_password_validators():
    weak = SignupForm({"email": "a@example.org", "display_name": "Ana", "password": "123"})
    assert not weak.is_valid() and "__all__" in weak.errors
    good = SignupForm({"email": "a@example.org", "display_name": "Ana", "password": "a-long-pass-phrase-42"})
    assert good.is_valid(), good.errors
    nul = SignupForm({"email": "a@example.org", "display_name": "A\x00na", "password": "a-long-pass-phrase-42"})
    assert "display_name" in nul.errors


def _profile(**data):
    return ProfileForm({"display_name": "Ana", "country": "mg", "timezone": "Indian/Antananarivo",
                        "languages": "fr, MG, fr", **data})


def test_profile_form_cleans_country_time_zone_and_languages():
    form = _profile()
    assert form.is_valid(), form.errors
    assert form.cleaned_data["country"] == "MG"
    assert form.cleaned_data["languages"] == ["fr", "mg"]  # lower case, no repeats


@pytest.mark.parametrize(("field", "value", "message"), [
    ("country", "M1", "Two letters"),
    ("timezone", "Mars/Olympus", "Unknown time zone"),
    ("languages", "fr, français, e", "not français, e"),
])
def test_profile_form_refuses_bad_values_with_a_message(field, value, message):
    form = _profile(**{field: value})
    assert not form.is_valid()
    assert message in form.errors[field][0]


def test_profile_form_keeps_at_most_ten_languages():
    form = _profile(languages=",".join(f"a{chr(97 + i)}" for i in range(12)))
    assert form.is_valid() and len(form.cleaned_data["languages"]) == 10


def test_erasure_form_must_be_confirmed():
    assert not ErasureForm({"password": "x"}).is_valid()
    form = ErasureForm({"password": "x", "confirm": "on"})
    assert form.is_valid() and form.cleaned_data["donate_balance"] is False
