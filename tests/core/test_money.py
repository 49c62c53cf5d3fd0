import pytest
from hypothesis import given
from hypothesis import strategies as st

from coop.core.errors import DomainError
from coop.core.money import format_amount, parse_amount


@pytest.mark.parametrize("text, code, minor", [
    ("12.50", "USD", 1250), ("12,5", "USD", 1250), (" 0.01 ", "USD", 1), ("7", "USD", 700), ("0", "USD", 0),
    ("1500", "MGA", 1500), ("1234567.89", "EUR", 123456789),
])
def test_parse_amount(text, code, minor):
    assert parse_amount(text, code) == minor


@pytest.mark.parametrize("text, code", [
    ("abc", "USD"), ("", "USD"), ("-1", "USD"), ("NaN", "USD"), ("Infinity", "USD"), ("1.005", "USD"),
    ("1.5", "MGA"), ("1e400000", "USD"), ("1e3", "USD"), ("+5", "USD"), ("1.2.3", "USD"),
    ("99999999999999999999", "USD"),
])
def test_parse_amount_refuses(text, code):
    with pytest.raises(DomainError) as info:
        parse_amount(text, code)
    assert info.value.code == "invalid_amount"


@pytest.mark.parametrize("minor, code, language, text", [
    (1250, "USD", "en", "$12.50"), (123456789, "USD", "en", "$1,234,567.89"), (5, "USD", "en", "$0.05"),
    (-1250, "USD", "en", "-$12.50"), (1250, "USD", "fr", "12,50\u00a0$"),
    (123456789, "EUR", "fr", "1\u202f234\u202f567,89\u00a0€"), (1500, "MGA", "en", "1,500 MGA"),
    (1500, "MGA", "fr", "1\u202f500\u00a0MGA"), (1250, "KES", "en", "12.50 KES"),
])
def test_format_amount(minor, code, language, text):
    assert format_amount(minor, code, language) == text


@given(st.integers(min_value=0, max_value=10**15))
def test_format_then_parse_round_trips_in_english(minor):
    shown = format_amount(minor, "USD", "en")
    assert parse_amount(shown.lstrip("$").replace(",", ""), "USD") == minor


def test_money_filter_follows_the_active_language(settings):
    from django.template import Context, Template
    from django.utils import translation

    settings.FEDERATION_CURRENCY = "USD"
    template = Template("{% load atelier %}{{ amount|money }}")
    with translation.override("fr"):
        assert template.render(Context({"amount": 1250})) == "12,50\u00a0$"
    with translation.override("en"):
        assert template.render(Context({"amount": 1250})) == "$12.50"
        assert template.render(Context({"amount": None})) == ""
