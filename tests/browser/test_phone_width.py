"""Every page, for every role, in English and French, fits a 390-pixel phone (issue 16,
point 5): the document is never wider than the viewport, and no page a role's screens link
to answers 4xx/5xx.

The demo federation (seed_demo) gives each role real content: projects with submissions, an
appeal with its jury, proposals, forums, payouts. Each role starts at its home and follows
the links on its pages (the menu's included), breadth first; paths that differ only by ids
are visited once, so the walk stays short (about 200 pages)."""

import re
from collections import deque
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.core.management import call_command

from tests.factories.demo import demo_people
from tests.factories.forums import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 390
PER_PATTERN = 1
MAX_PAGES = 35
SKIP = re.compile(r"^/(admin|api|i18n|static|accounts/logout|accounts/password_reset)(/|$)"
                  r"|\.csv$|\.po$|/statement|/results")

# what lies past the viewport's right edge: the deepest elements only, so the culprit shows
WIDE = """(width) => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width + 0.5 && e.children.length === 0)
  .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                   (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : '') +
                   ' "' + (e.textContent || '').trim().slice(0, 40) + '" right=' +
                   Math.round(e.getBoundingClientRect().right))"""

LINKS = """() => [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))"""


def pattern(path):
    return re.sub(r"/\d+(?=/|$)", "/<n>", path)


def offline(context, base):
    """The demo's pictures live on made-up hosts: answer them at once instead of waiting on DNS."""
    context.route(re.compile(r"^(?!" + re.escape(base) + ")"), lambda route: route.fulfill(status=204, body=""))


def walk(context, base, start):
    """Breadth-first over the site's own links from `start`; returns [(path, problem)]."""
    page = context.new_page()
    problems, seen, per_pattern = [], set(), {}
    queue = deque([start])
    visited = 0
    while queue and visited < MAX_PAGES:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        key = pattern(urlsplit(path).path)
        if per_pattern.get(key, 0) >= PER_PATTERN:
            continue
        per_pattern[key] = per_pattern.get(key, 0) + 1
        response = page.goto(base + path)
        visited += 1
        if response is None or response.status >= 400:
            problems.append((path, f"HTTP {response.status if response else '?'}"))
            continue
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > WIDTH:
            problems.append((path, f"{width} px wide: {page.evaluate(WIDE, WIDTH)}"))
        for href in page.evaluate(LINKS):
            href = urldefrag(urljoin(page.url, href))[0]
            if not href.startswith(base + "/"):
                continue
            href = href[len(base):]
            if href not in seen and not SKIP.search(urlsplit(href).path):
                queue.append(href)
    page.close()
    return problems, visited


def test_every_page_of_every_role_fits_a_phone_in_both_languages(live_server, browser, browser_context_args,
                                                                 allow_async_unsafe):
    call_command("seed_demo", "--quiet")
    base = live_server.url
    host = urlsplit(base).hostname
    problems, total = [], 0
    for role, user in demo_people().items():
        cookie = session_cookie(user)
        for language in ("fr", "en"):
            context = browser.new_context(**browser_context_args)
            offline(context, base)
            context.add_cookies([{"name": "sessionid", "value": cookie, "domain": host, "path": "/"},
                                 {"name": "django_language", "value": language, "domain": host, "path": "/"}])
            found, visited = walk(context, base, "/")
            total += visited
            problems += [(role, language, path, problem) for path, problem in found]
            context.close()
    assert total > 120
    assert problems == [], "\n".join(" ".join(p) for p in problems)
