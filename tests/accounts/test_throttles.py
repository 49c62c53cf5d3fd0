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


class _CountingCache:
    """The throttles' cache, counting its round trips."""

    def __init__(self, cache):
        self.cache, self.calls = cache, []

    def __getattr__(self, name):
        method = getattr(self.cache, name)

        def counted(*args, **kwargs):
            self.calls.append(name)
            return method(*args, **kwargs)

        return counted


def test_throttles_check_gives_drfs_answers_in_one_read_and_one_write(rates, monkeypatch):
    """The same person, the same rates (user 3/min, member_work 2/min): DRF's one-by-one
    check and `throttles_check` refuse the same requests with the same waits, and a refused
    request is recorded by neither; ours reads every history once and writes them once."""
    from django.core.cache import caches
    from rest_framework.views import APIView

    from accounts.throttles import SettingsRateThrottle, throttles_check
    from coop.core import clock

    rates["user"] = "3/min"
    counting = _CountingCache(caches["local"])
    monkeypatch.setattr(SettingsRateThrottle, "cache", property(lambda self: counting))
    at = [1_000_000.0]
    monkeypatch.setattr(clock, "now", lambda: __import__("datetime").datetime.fromtimestamp(at[0]))

    def drf(request):
        view = APIView()
        waits = []
        for throttle in (UserThrottle(), MemberWorkThrottle(), AnonThrottle()):
            if not throttle.allow_request(request, view):
                waits.append(throttle.wait())
        return waits

    def ours(request):
        counting.calls.clear()
        waits = throttles_check([UserThrottle(), MemberWorkThrottle(), AnonThrottle()], request, APIView())
        assert counting.calls in (["get_many", "set_many"], ["get_many"])  # nothing to write if all refuse
        return waits

    theirs_person, our_person = User(pk=51, email="d@x.org"), User(pk=52, email="o@x.org")
    for step in (0, 1, 2, 3, 30, 61, 62):
        at[0] = 1_000_000.0 + step
        assert drf(_request(user=theirs_person)) == ours(_request(user=our_person)), step
    histories = caches["local"].get_many(["throttle_user_51", "throttle_user_52", "throttle_member_work_51",
                                          "throttle_member_work_52"])
    assert histories["throttle_user_51"] == histories["throttle_user_52"]
    assert histories["throttle_member_work_51"] == histories["throttle_member_work_52"]


@pytest.mark.django_db
def test_the_member_api_is_refused_with_retry_after_when_one_rate_is_spent(rates, client):
    from tests.factories import UserFactory

    person = UserFactory()
    client.force_login(person)
    assert [client.get("/api/work/assignments/").status_code for _ in range(3)] == [200, 200, 429]
    refused = client.get("/api/work/assignments/")
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
    assert int(refused["Retry-After"]) > 0
