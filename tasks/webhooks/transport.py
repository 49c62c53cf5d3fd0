"""One HTTP POST of a webhook, with urllib3: no redirect followed, no retry (the delivery's own
schedule retries), a timeout, and (outside development) no private, loopback or link-local
address as the target.

The name is resolved once, the address is checked, and the connection goes to that very
address: the pool is opened on the checked IP while TLS keeps the host name for SNI and for
the certificate's check, and the Host header names the host. Resolving again to connect (as
urllib did) let a name that changes its answer between the two (DNS rebinding) send the
request to an address that was never checked."""

import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
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


def address_allowed(address: str) -> bool:
    """A public (global) address; any address when development allows private hosts."""
    if getattr(settings, "WEBHOOK_ALLOW_PRIVATE_HOSTS", False):
        return True
    return ipaddress.ip_address(address.split("%")[0]).is_global


def address_pinned(host: str, port: int) -> tuple[str, str]:
    """(address to connect to, "") or ("", why not: "unresolvable", "private_address"). Every
    address the name resolves to must be allowed; the first is the one connected to."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return "", "unresolvable"
    addresses = [info[4][0] for info in infos]
    if not addresses:
        return "", "unresolvable"
    if not all(address_allowed(address) for address in addresses):
        return "", "private_address"
    return addresses[0], ""


def host_allowed(url: str) -> str:
    """"" when the URL may be called now, else why not ("private_address", "unresolvable")."""
    parts = urlsplit(url)
    return address_pinned(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))[1]


def _tls_context() -> ssl.SSLContext:
    """The system's trusted certificates, hostname checked (tests trust their own authority here)."""
    return ssl.create_default_context()


def _pool(parts, address, port, timeout):
    common = {"port": port, "timeout": urllib3.Timeout(connect=timeout, read=timeout), "retries": False,
              "maxsize": 1, "block": False}
    if parts.scheme == "https":
        host = parts.hostname
        return urllib3.HTTPSConnectionPool(address, ssl_context=_tls_context(), server_hostname=host,
                                           assert_hostname=host, **common)
    return urllib3.HTTPConnectionPool(address, **common)


def post(*, url, body: bytes, headers: dict, timeout: float) -> Outcome:
    started = time.monotonic()

    def done(status_code, error, excerpt=""):
        return Outcome(status_code, error[:200], excerpt[:EXCERPT], int((time.monotonic() - started) * 1000))

    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address, refused = address_pinned(parts.hostname or "", port)
    if refused:
        return done(None, refused)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    pool = _pool(parts, address, port, timeout)
    try:
        response = pool.urlopen("POST", target, body=body, redirect=False, retries=False, preload_content=False,
                                headers={**headers, "host": parts.netloc, "content-type": "application/json",
                                         "user-agent": USER_AGENT})
        try:
            excerpt = response.read(EXCERPT).decode("utf-8", "replace")
        except urllib3.exceptions.HTTPError:  # the body of an answer is a courtesy
            excerpt = ""
        response.release_conn()
        return done(response.status, "", excerpt)
    except urllib3.exceptions.NewConnectionError as exc:  # urllib3 makes it a ConnectTimeoutError too
        return done(None, f"unreachable: {exc}")
    except urllib3.exceptions.TimeoutError:
        return done(None, "timeout")
    except urllib3.exceptions.HTTPError as exc:
        return done(None, f"unreachable: {getattr(exc, 'reason', None) or exc}")
    except OSError as exc:
        return done(None, f"unreachable: {exc}")
    finally:
        pool.close()
