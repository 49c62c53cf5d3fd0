"""One HTTP POST of a webhook, with the standard library: no redirect followed, a timeout,
and (outside development) no private, loopback or link-local address as the target, checked
on the address the name resolves to at send time."""

import ipaddress
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

EXCERPT = 500
USER_AGENT = "Atelier-Webhooks/1"


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str
    excerpt: str
    duration_ms: int

    @property
    def succeeded(self):
        return self.status_code is not None and 200 <= self.status_code < 300


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is the receiver's answer, not a new target


_OPENER = urllib.request.build_opener(_NoRedirect)


def host_allowed(url):
    """"" when the URL may be called now, else why not ("private_address", "unresolvable")."""
    if getattr(settings, "WEBHOOK_ALLOW_PRIVATE_HOSTS", False):
        return ""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return "unresolvable"
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            return "private_address"
    return ""


def post(*, url, body: bytes, headers: dict, timeout: float) -> Outcome:
    started = time.monotonic()

    def done(status_code, error, excerpt=""):
        return Outcome(status_code, error[:200], excerpt[:EXCERPT], int((time.monotonic() - started) * 1000))

    refused = host_allowed(url)
    if refused:
        return done(None, refused)
    request = urllib.request.Request(url, data=body, method="POST", headers={
        **headers, "content-type": "application/json", "user-agent": USER_AGENT})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return done(response.status, "", response.read(EXCERPT).decode("utf-8", "replace"))
    except urllib.error.HTTPError as exc:
        try:
            excerpt = exc.read(EXCERPT).decode("utf-8", "replace")
        except Exception:  # the body of an error answer is a courtesy
            excerpt = ""
        return done(exc.code, "", excerpt)
    except TimeoutError:
        return done(None, "timeout")
    except urllib.error.URLError as exc:
        reason = exc.reason
        return done(None, "timeout" if isinstance(reason, (TimeoutError, socket.timeout)) else f"unreachable: {reason}")
    except OSError as exc:
        return done(None, f"unreachable: {exc}")
