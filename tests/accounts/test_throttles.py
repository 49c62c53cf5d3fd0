"""accounts/throttles.py: whose requests each rate counts (anonymous per IP, a session per
user, a key per key, failures per IP only when recorded), rates read from settings at request
time (None: off), and the page decorator's 429."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory

from accounts.models import ApiKey, User
from accounts.throttles import (
    AnonThrottle,
    ApiKeyFailureThrottle,
    ApiKeyThrottle,
    MemberWorkThrottle,
    UserThrottle,
    throttle_posts,
)

rf = RequestFactory()


def _request(user=None, auth=None, ip="10.1.1.1", method="get"):
    request = getattr(rf, method)("/api/x/", REMOTE_ADDR=ip)
    request.user = user or AnonymousUser()
    request.auth = auth
    return request


@pytest.fixture
def rates(settings):
    settings.THROTTLE_RATES = {"anon": "2/min", "user": "2/min", "api_key": "2/min", "member_work": "2/min",
                               "api_key_failure": "2/min", "signup": "2/min"}
    return settings.THROTTLE_RATES


def test_whose_requests_each_throttle_counts(rates):
    person = User(pk=41, email="a@x.org")
    key = ApiKey(pk=7)
    anon, session, keyed = _request(), _request(user=person), _request(user=person, auth=key)
    assert AnonThrottle().get_cache_key(anon, None) == "throttle_anon_10.1.1.1"
    assert AnonThrottle().get_cache_key(session, None) is None
    assert UserThrottle().get_cache_key(session, None) == "throttle_user_41"
    assert UserThrottle().get_cache_key(keyed, None) is None  # a key counts as the key
    assert ApiKeyThrottle().get_cache_key(keyed, None) == "throttle_api_key_7"
    assert ApiKeyThrottle().get_cache_key(session, None) is None
    assert MemberWorkThrottle().get_cache_key(session, None) == "throttle_member_work_41"
    assert MemberWorkThrottle().get_cache_key(anon, None) is None


def test_a_rate_counts_and_refuses_then_another_ip_is_apart(rates):
    assert [AnonThrottle().allow_request(_request(), None) for _ in range(3)] == [True, True, False]
    assert AnonThrottle().allow_request(_request(ip="10.9.9.9"), None)


def test_a_rate_of_none_is_off(rates):
    rates["anon"] = None
    assert all(AnonThrottle().allow_request(_request(), None) for _ in range(5))


def test_failures_count_only_when_recorded(rates):
    throttle = ApiKeyFailureThrottle()
    assert not throttle.blocked(_request())
    ApiKeyFailureThrottle().record(_request())
    assert not ApiKeyFailureThrottle().blocked(_request())
    ApiKeyFailureThrottle().record(_request())
    blocked = ApiKeyFailureThrottle()
    assert blocked.blocked(_request()) and blocked.wait() > 0
    assert not ApiKeyFailureThrottle().blocked(_request(ip="10.2.2.2"))
    rates["api_key_failure"] = None
    off = ApiKeyFailureThrottle()
    off.record(_request())
    assert not off.blocked(_request())


@pytest.mark.django_db
def test_throttle_posts_answers_429_with_retry_after_and_never_counts_gets(rates):
    view = throttle_posts("signup")(lambda request: HttpResponse("ok"))
    assert all(view(_request(method="get")).status_code == 200 for _ in range(5))
    statuses = [view(_request(method="post")).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = view(_request(method="post"))
    assert int(refused["Retry-After"]) > 0 and refused["Content-Type"].startswith("text/html")
