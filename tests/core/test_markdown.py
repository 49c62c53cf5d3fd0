"""coop/core/markdown.py: what people write is rendered, then cleaned to an allow-list."""

from coop.core.markdown import render_markdown


def test_markdown_is_rendered():
    html = render_markdown("**Read** the *whole* text:\n\n- one\n- two")
    assert "<strong>Read</strong>" in html and "<em>whole</em>" in html
    assert "<ul>" in html and "<li>one</li>" in html


def test_scripts_and_event_handlers_are_removed():
    html = render_markdown('<script>alert(1)</script><img src=x onerror="alert(2)"> ok')
    assert "<script" not in html and "onerror" not in html and "<img" not in html
    assert "ok" in html


def test_links_keep_safe_schemes_and_get_rel():
    html = render_markdown("[site](https://example.org) [bad](javascript:alert(1))")
    assert 'href="https://example.org"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert "javascript:" not in html


def test_nothing_gives_an_empty_text():
    assert render_markdown(None) == "" and render_markdown("") == ""
