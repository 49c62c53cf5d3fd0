"""accounts/lockout.py: how a log-in's account is counted, and the 429 a locked-out person
gets (a translated page, or the one error shape under /api/, with Retry-After)."""

import json
from datetime import timedelta

from django.test import RequestFactory

from accounts import lockout

rf = RequestFactory()


def test_username_of_is_trimmed_and_lower_cased():
    assert lockout.username_of(None, {"username": "  Member@X.org "}) == "member@x.org"
    assert lockout.username_of(rf.post("/login/", {"username": "Ana@X.org"}), None) == "ana@x.org"
    assert lockout.username_of(None, None) == ""


def test_lockout_minutes_rounds_up(settings):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=61)
    assert lockout.lockout_minutes() == 2
    settings.AXES_COOLOFF_TIME = timedelta(seconds=5)
    assert lockout.lockout_minutes() == 1
    settings.AXES_COOLOFF_TIME = None
    assert lockout.lockout_minutes() is None


def test_api_lockout_is_the_error_shape_with_retry_after(settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    response = lockout.lockout_response(rf.post("/api/keys/confirm/"))
    body = json.loads(response.content)
    assert response.status_code == 429 and response["Retry-After"] == "900"
    assert body["code"] == "throttled" and body["extra"] == {"retry_after": 900} and "15" in body["message"]


def test_page_lockout_is_a_page(settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    response = lockout.lockout_response(rf.post("/accounts/login/"))
    assert response.status_code == 429 and response["Content-Type"].startswith("text/html")
    assert response["Retry-After"] == "900"
