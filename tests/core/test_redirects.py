"""Open redirects (issue 15, leak 10): every `next` in the project goes through one helper
(coop.core.http.safe_next) and points back into Atelier, whatever the form says."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import CoopFactory, UserFactory, member, published_project

pytestmark = pytest.mark.django_db

HOSTILE = ["https://evil.example/", "//evil.example/", "/\\evil.example/", "\\\\evil.example", "https:evil.example",
           "javascript:alert(1)", "http://testserver@evil.example/", " //evil.example", "ftp://evil.example/"]


def assert_stays_home(response):
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert "evil" not in location, location


@pytest.fixture
def worker(client):
    coop = CoopFactory()
    project = published_project(coop, tasks=1)
    user = member(coop).user
    client.force_login(user)
    return {"project": project, "user": user}


@pytest.mark.parametrize("target", HOSTILE)
def test_watch_redirects_only_inside_the_site(client, worker, target):
    assert_stays_home(client.post(reverse("tasks:watch_coop"), {"next": target}))
    response = client.post(reverse("tasks:watch", args=[worker["project"].pk]), {"next": target})
    assert_stays_home(response)
    assert response["Location"] == reverse("tasks:feed")


def test_watch_keeps_a_local_next(client, worker):
    page = reverse("tasks:project", args=[worker["project"].pk])
    assert client.post(reverse("tasks:watch", args=[worker["project"].pk]), {"next": page})["Location"] == page


@pytest.mark.parametrize("target", HOSTILE)
def test_signup_log_in_log_out_and_language_switch_stay_inside_the_site(client, target):
    response = client.post(reverse("accounts:signup") + "?next=" + target, {
        "email": "new@example.org", "password": "a-long-pass-phrase-42", "display_name": "New", "country": "MG",
        "next": target})
    assert_stays_home(response)
    user = UserFactory()
    user.set_password("a-long-pass-phrase-42")
    user.save()
    client.logout()
    assert_stays_home(client.post(reverse("login"), {"username": user.email, "password": "a-long-pass-phrase-42",
                                                     "next": target}))
    assert_stays_home(client.post(reverse("set_language"), {"language": "fr", "next": target}))
    assert_stays_home(client.post(reverse("logout"), {"next": target}))


def test_no_view_reads_next_but_through_the_safe_helper():
    """A new `next` must go through coop.core.http.safe_next (Django's own log-in, log-out and
    language views check theirs)."""
    offenders = []
    for path in Path(settings.BASE_DIR).rglob("*.py"):
        parts = path.relative_to(settings.BASE_DIR).parts
        if parts[0] in (".venv", "tests", "bench", "var", "staticfiles") or parts[-2:] == ("core", "http.py"):
            continue
        text = path.read_text()
        if '.get("next"' in text or ".get('next'" in text or 'HTTP_REFERER' in text:
            offenders.append(str(path))
    assert offenders == []
