"""The feed in pages of 50 project cards (issue 18): server-side, links that work without
JavaScript, the member's filters and sort kept from page to page, the same queries on every page."""

import re

import pytest
from django.utils import timezone

from tasks.models import Project
from tests.factories import CoopFactory, member, open_project, organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def feed(client):
    """110 open projects in one coop (one task each), newest last: "P109" is first in the feed."""
    coop = CoopFactory()
    org = organisation()
    base = timezone.now()
    for n in range(110):
        p = open_project(coop, tasks=1, organisation=org, title=f"P{n:03d}", category="cat-even" if n % 2 == 0
                         else "cat-odd", reward=100 + n)
        Project.objects.filter(pk=p.pk).update(published_at=base + timezone.timedelta(seconds=n))
    client.force_login(member(coop).user)
    return client


def _titles(response):
    return [row["project"].title for row in response.context["rows"]]


def _link(body, rel):
    found = re.search(rf'rel="{rel}" href="([^"]+)"', body)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_feed_pages_by_fifty_with_more_and_previous_links(feed):
    first = feed.get("/work/")
    body = first.content.decode()
    assert _titles(first) == [f"P{n:03d}" for n in range(109, 59, -1)]
    assert _link(body, "prev") is None and _link(body, "next") == "/work/?page=2"
    second = feed.get(_link(body, "next"))
    assert _titles(second) == [f"P{n:03d}" for n in range(59, 9, -1)]
    body2 = second.content.decode()
    assert _link(body2, "prev") == "/work/" and _link(body2, "next") == "/work/?page=3"
    third = feed.get(_link(body2, "next"))
    assert _titles(third) == [f"P{n:03d}" for n in range(9, -1, -1)]
    assert _link(third.content.decode(), "next") is None
    seen = _titles(first) + _titles(second) + _titles(third)
    assert len(seen) == len(set(seen)) == 110  # every project once, none twice


def test_the_next_page_keeps_the_filters_and_the_sort(feed):
    first = feed.get("/work/?category=cat-even&sort=reward")
    assert _titles(first) == [f"P{n:03d}" for n in range(108, 8, -2)]  # 55 even projects, highest reward first
    more = _link(first.content.decode(), "next")
    assert "category=cat-even" in more and "sort=reward" in more and "page=2" in more
    second = feed.get(more)
    assert _titles(second) == [f"P{n:03d}" for n in range(8, -1, -2)]
    assert _link(second.content.decode(), "next") is None


def test_a_page_past_the_end_says_so_and_a_page_that_does_not_parse_is_the_first(feed):
    past = feed.get("/work/?page=40")
    assert past.status_code == 200 and _titles(past) == []
    body = past.content.decode()
    assert "No more open projects." in body and 'href="/work/"' in body
    for bad in ("abc", "0", "-3", ""):
        response = feed.get(f"/work/?page={bad}")
        assert response.status_code == 200 and _titles(response)[0] == "P109", bad
    assert _titles(feed.get("/work/?page=99999999999999999999")) == []  # capped, never an error


def test_every_page_costs_the_same_queries(feed, django_assert_num_queries):
    feed.get("/work/")
    queries = 10  # session, user with profile, membership (with rulebook, open count, coop watch), menu, categories,
    # the country-restricted projects the member may not see (issue 23), projects (with records and
    # watches), consents, blocks, requirements: the same for every page
    for page in (1, 2, 3):
        with django_assert_num_queries(queries):
            feed.get(f"/work/?page={page}")


def test_the_feed_pages_are_in_french(feed):
    body = feed.get("/work/", headers={"accept-language": "fr"}).content.decode()
    assert "Plus de projets" in body and "Pages de la liste de travail" in body
    assert "Projets précédents" in feed.get("/work/?page=2", headers={"accept-language": "fr"}).content.decode()
