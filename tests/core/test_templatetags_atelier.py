"""coop/core/templatetags/atelier.py: the template filters for money, Markdown, languages,
answers and rulebook codes."""

from django.template import Context, Template
from django.utils import translation

from coop.core.templatetags import atelier


def test_money_and_money_plain(settings):
    settings.FEDERATION_CURRENCY = "USD"
    assert atelier.money(1250) == "$12.50"
    assert atelier.money("1250") == "$12.50"
    assert atelier.money(None) == "" and atelier.money("") == ""
    assert atelier.money_plain(1205) == "12.05"
    assert atelier.money_plain(None) == ""
    settings.FEDERATION_CURRENCY = "MGA"  # no minor unit
    assert atelier.money_plain(5000) == "5000"


def test_markdown_is_sanitised():
    html = atelier.markdown("**bold** <script>alert(1)</script>")
    assert "<strong>bold</strong>" in html and "<script>" not in html


def test_language_name_in_the_readers_language():
    assert atelier.language_name("fr") == "French"
    with translation.override("fr"):
        assert atelier.language_name("fr") == "Français"
    assert atelier.language_name("xx-unknown") == "xx-unknown"


def test_answer_as_text():
    assert atelier.answer(["a", "b"]) == "a, b"
    assert atelier.answer([{"label": "cat", "x": 1, "y": 2, "w": 3, "h": 4}]) == "cat: 1 2 3 4"
    assert atelier.answer([{"label": "name", "text": "Ana"}]) == "name: “Ana”"
    assert atelier.answer(None) == "" and atelier.answer(7) == 7


def test_category_and_code_labels():
    with translation.override("en"):
        assert atelier.category("labeling") == "labelling"
        assert atelier.code_label("mobile_money") == "Mobile money"
    assert atelier.category("knitting") == "knitting" and atelier.code_label("no_such_code") == "no_such_code"


def test_filters_load_in_a_template(settings):
    settings.FEDERATION_CURRENCY = "EUR"
    out = Template("{% load atelier %}{{ 250|money }} {{ codes|answer }}").render(Context({"codes": ["x", "y"]}))
    assert out == "€2.50 x, y"
