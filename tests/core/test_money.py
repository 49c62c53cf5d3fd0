from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coop.core.errors import DomainError
from coop.core.money import format_amount, largest_remainder, parse_amount


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


# --- largest remainder (patronage shares, batch fees) -----------------------------------------

def test_largest_remainder_published_example():
    # Hamilton's method on the classic example: 10 seats, votes 43 000 / 29 000 / 28 000 -> 4, 3, 3
    assert [p for p, _f, _r in largest_remainder(10, [43_000, 29_000, 28_000])] == [4, 3, 3]
    assert largest_remainder(1001, [70, 20, 10]) == [(701, 700, 70), (200, 200, 20), (100, 100, 10)]
    assert [p for p, _f, _r in largest_remainder(2, [1, 1, 1])] == [1, 1, 0]  # ties: the earlier weight


@pytest.mark.parametrize("weights", [[], [0, 0], [3, -1]])
def test_largest_remainder_refuses_no_weight(weights):
    with pytest.raises(ValueError):
        largest_remainder(10, weights)


@given(st.integers(min_value=0, max_value=10**12),
       st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=40).filter(lambda w: sum(w) > 0))
def test_largest_remainder_adds_up_and_stays_within_one_unit_of_each_quota(total, weights):
    result = largest_remainder(total, weights)
    parts = [p for p, _f, _r in result]
    assert sum(parts) == total
    for (part, floor, remainder), w in zip(result, weights, strict=True):
        quota = Fraction(total * w, sum(weights))
        assert floor == int(quota) and Fraction(remainder, sum(weights)) == quota - floor
        assert part in (floor, floor + 1) and abs(part - quota) < 1
    # a larger remainder never gets less than a smaller one
    for pa, fa, ra in result:
        for pb, fb, rb in result:
            assert not (ra > rb and pa - fa < pb - fb)
