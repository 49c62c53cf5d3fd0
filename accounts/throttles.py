"""Request rates (issue 15, leak 12; docs/security.md "Throttling").

DRF's own `SimpleRateThrottle` does the counting, in the cache configured in settings (Redis
with REDIS_URL, so every server process shares the counts; the database cache otherwise).
Nothing here counts by itself: these subclasses only say *whose* requests a rate applies to
and read the rate at request time from `settings.THROTTLE_RATES[scope]` (so an operator's
environment, and a test's `settings` fixture, take effect without a restart of DRF's
settings). A rate of None switches a scope off. `settings.THROTTLE_CACHE` names the cache
alias ("default"; the tests use a local-memory one, emptied before each test).

- `AnonThrottle` (`anon`): API calls without a session or key, per client IP.
- `UserThrottle` (`user`): API calls of a logged-in person (session), per user.
- `ApiKeyThrottle` (`api_key`): API calls with a key, per key.
- `ApiKeyFailureThrottle` (`api_key_failure`): failed API-key authentications, per IP
  (accounts.auth: a client that keeps presenting wrong keys is refused before the lookup).
- `throttle_posts(scope)`: the same counting for a page's POSTs, per IP (sign-up:
  `signup`; password reset: `password_reset`), answering 429 with a translated page.

The client IP is REMOTE_ADDR, or the address `PROXY_COUNT` trusted proxies put in
X-Forwarded-For (DRF's NUM_PROXIES); log-in lockout (django-axes) reads it the same way."""

from functools import wraps
from math import ceil

from django.conf import settings
from django.core.cache import caches
from django.shortcuts import render
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiKey
from coop.core import clock


class SettingsRateThrottle(SimpleRateThrottle):
    """A DRF rate throttle whose rate is `settings.THROTTLE_RATES[self.scope]`, read per
    request, counted in the cache `settings.THROTTLE_CACHE` names ("default")."""

    def __init__(self):
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    @property
    def cache(self):
        return caches[getattr(settings, "THROTTLE_CACHE", "default")]

    def get_rate(self):
        return (getattr(settings, "THROTTLE_RATES", None) or {}).get(self.scope)

    def timer(self):
        """Seconds since the epoch on the product's clock (`coop.core.clock`): the wall clock,
        or the simulation's, whose requests then count in simulated time."""
        return clock.now().timestamp()

    def ident_key(self, request):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def _key_of(request):
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiKey) else None


class AnonThrottle(SettingsRateThrottle):
    scope = "anon"

    def get_cache_key(self, request, view):
        if getattr(request.user, "is_authenticated", False):
            return None
        return self.ident_key(request)


class UserThrottle(SettingsRateThrottle):
    scope = "user"

    def get_cache_key(self, request, view):
        if not getattr(request.user, "is_authenticated", False) or _key_of(request) is not None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class MemberWorkThrottle(SettingsRateThrottle):
    """The member API (tasks/api/member.py) and claim: each member's own rate, whatever else
    they call (`member_work` in THROTTLE_RATES)."""

    scope = "member_work"

    def get_cache_key(self, request, view):
        if not getattr(request.user, "is_authenticated", False):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class ApiKeyThrottle(SettingsRateThrottle):
    scope = "api_key"

    def get_cache_key(self, request, view):
        key = _key_of(request)
        return None if key is None else self.cache_format % {"scope": self.scope, "ident": key.pk}


class CountOnlyThrottle(SettingsRateThrottle):
    """Counts only what the caller records (failures), per IP: `blocked(request)` says whether
    the history is full (and sets `wait()`), `record(request)` adds one."""

    def blocked(self, request):
        if self.rate is None:
            return False
        self.key = self.ident_key(request)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        return len(self.history) >= self.num_requests

    def record(self, request):
        if self.rate is None:
            return
        if not hasattr(self, "history"):
            self.blocked(request)
        self.throttle_success()


class ApiKeyFailureThrottle(CountOnlyThrottle):
    scope = "api_key_failure"


def throttles_check(throttles, request, view):
    """DRF's `check_throttles` counting, with one cache round trip to read every rate's history
    and one to write them back (DRF's throttles read and write each in turn: four Redis round
    trips for a member's request, which counts against `user` and `member_work`). Each throttle
    decides as its `allow_request` would: a refused one records nothing. Returns the waits of
    the throttles that refuse (empty: allowed)."""
    waits, pending = [], []
    for throttle in throttles:
        counted = (isinstance(throttle, SettingsRateThrottle)
                   and type(throttle).allow_request is SimpleRateThrottle.allow_request)
        if not counted:
            if not throttle.allow_request(request, view):
                waits.append(throttle.wait())
            continue
        if throttle.rate is None:
            continue
        throttle.key = throttle.get_cache_key(request, view)
        if throttle.key is not None:
            pending.append(throttle)
    if not pending:
        return waits
    cache = pending[0].cache  # one alias for every rate: settings.THROTTLE_CACHE
    found = cache.get_many([throttle.key for throttle in pending])
    writes, timeout = {}, 0
    for throttle in pending:
        throttle.history = list(writes.get(throttle.key) or found.get(throttle.key) or [])
        throttle.now = throttle.timer()
        while throttle.history and throttle.history[-1] <= throttle.now - throttle.duration:
            throttle.history.pop()
        if len(throttle.history) >= throttle.num_requests:
            waits.append(throttle.wait())
            continue
        throttle.history.insert(0, throttle.now)
        writes[throttle.key] = throttle.history
        timeout = max(timeout, throttle.duration)
    if writes:
        cache.set_many(writes, timeout)
    return waits


class BatchedThrottles:
    """A DRF view mixin: its throttles counted by `throttles_check` (two cache round trips a
    request whatever the number of rates). The same answers as DRF's `check_throttles`."""

    def check_throttles(self, request):
        waits = throttles_check(self.get_throttles(), request, self)
        if waits:
            self.throttled(request, max((wait for wait in waits if wait is not None), default=None))


class PagePostThrottle(SettingsRateThrottle):
    """Every POST to a page, per IP."""

    def get_cache_key(self, request, view):
        return self.ident_key(request)


def throttle_posts(scope):
    """Page decorator: POSTs beyond `settings.THROTTLE_RATES[scope]` per IP get the 429 page
    (`throttled.html`, translated, with the wait); GETs are never counted."""

    throttle_class = type(f"PagePostThrottle_{scope}", (PagePostThrottle,), {"scope": scope})

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST":
                throttle = throttle_class()
                if throttle.rate is not None and not throttle.allow_request(request, None):
                    wait = ceil(throttle.wait() or 0)
                    response = render(request, "throttled.html", {"minutes": max(1, ceil(wait / 60))}, status=429)
                    response["Retry-After"] = str(wait)
                    return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
