"""The feed's filters and sorting (issue 16, point 7): category, pay per hour, time per task,
and the order, through a GET form that works without JavaScript."""

import re

import pytest
from django.urls import reverse

from tests.factories import CoopFactory, member, published_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def feed(client):
    coop = CoopFactory()
    # per hour: 20.00, 60.00, 12.00
    published_project(coop, tasks=1, title="Cats", category="labelling", reward=100, estimated_minutes=3)
    published_project(coop, tasks=1, title="Receipts", category="transcription", reward=1000, estimated_minutes=10)
    published_project(coop, tasks=1, title="Long survey", category="survey", reward=600, estimated_minutes=30)
    client.force_login(member(coop).user)
    return lambda **query: client.get(reverse("tasks:feed"), query)


def titles(response):
    pattern = r'<h2><a href="/work/projects/\d+/"><span translate="no">([^<]+)</span>'
    return re.findall(pattern, response.content.decode())


def test_the_feed_filters_by_category_pay_and_time(feed):
    assert titles(feed()) == ["Long survey", "Receipts", "Cats"]  # newest first
    assert titles(feed(category="transcription")) == ["Receipts"]
    assert titles(feed(min_pay="20.00")) == ["Receipts", "Cats"]
    assert titles(feed(max_minutes="15")) == ["Receipts", "Cats"]
    assert titles(feed(min_pay="20", max_minutes="5")) == ["Cats"]


def test_the_feed_sorts_by_pay_time_and_reward(feed):
    assert titles(feed(sort="pay")) == ["Receipts", "Cats", "Long survey"]
    assert titles(feed(sort="short")) == ["Cats", "Receipts", "Long survey"]
    assert titles(feed(sort="reward")) == ["Receipts", "Long survey", "Cats"]


def test_values_that_do_not_parse_are_ignored(feed):
    response = feed(category="nope", min_pay="lots", max_minutes="7", sort="random")
    assert response.status_code == 200 and titles(response) == ["Long survey", "Receipts", "Cats"]


def test_the_form_keeps_the_choices_and_cards_say_the_pay_in_one_line(feed):
    page = feed(category="labelling", sort="pay").content.decode()
    assert '<form method="get" class="card filters" id="feed-filters">' in page and "<details open>" in page
    assert '<option value="labelling" selected>labelling</option>' in page
    assert '<option value="pay" selected>' in page
    assert "$20.00 per hour</strong> · $1.00 a task · about 3 minutes" in page
