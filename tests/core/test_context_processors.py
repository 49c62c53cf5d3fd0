"""coop/core/context_processors.py: the federation's name, currency and a lazy navigation."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from coop.core.context_processors import atelier
from tests.factories import member


def test_names_and_currency_come_from_settings(settings):
    settings.FEDERATION_NAME, settings.FEDERATION_CURRENCY = "Fédération Test", "EUR"
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    context = atelier(request)
    assert context["FEDERATION_NAME"] == "Fédération Test" and context["CURRENCY"] == "EUR"
    assert not context["NAV"]  # no navigation for an anonymous visitor


@pytest.mark.django_db
def test_the_navigation_is_read_only_when_a_template_asks():
    request = RequestFactory().get("/")
    request.user = member().user
    with CaptureQueriesContext(connection) as queries:
        context = atelier(request)
    assert len(queries) == 0
    with CaptureQueriesContext(connection) as queries:
        home = context["NAV"].home
    assert len(queries) >= 1 and home
