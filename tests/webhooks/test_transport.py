"""One HTTP POST of a webhook (tasks/webhooks/transport.py): private and unresolvable targets
refused before any connection, a real POST's answer and excerpt kept, a redirect not followed,
an error answer and an unreachable receiver reported, never raised."""

import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import pytest

from tasks.webhooks import transport
from tests.webhooks.receiver import Receiver


def _resolving_to(monkeypatch, *addresses):
    def getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, 0)) for address in addresses]

    monkeypatch.setattr(transport.socket, "getaddrinfo", getaddrinfo)


@pytest.mark.parametrize(("addresses", "verdict"), [
    (["93.184.216.34"], ""),
    (["127.0.0.1"], "private_address"),
    (["10.1.2.3"], "private_address"),
    (["169.254.169.254"], "private_address"),  # the cloud metadata address
    (["93.184.216.34", "192.168.0.1"], "private_address"),  # any private answer refuses
    (["fe80::1%eth0"], "private_address"),
])
def test_host_allowed_checks_every_address_the_name_resolves_to(settings, monkeypatch, addresses, verdict):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    _resolving_to(monkeypatch, *addresses)
    assert transport.host_allowed("https://hooks.example/x") == verdict


def test_an_unresolvable_name_is_refused(settings, monkeypatch):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False

    def fails(*args, **kwargs):
        raise socket.gaierror("Name or service not known")

    monkeypatch.setattr(transport.socket, "getaddrinfo", fails)
    assert transport.host_allowed("https://nowhere.invalid/") == "unresolvable"
    outcome = transport.post(url="https://nowhere.invalid/", body=b"{}", headers={}, timeout=1)
    assert (outcome.status_code, outcome.error, outcome.succeeded) == (None, "unresolvable", False)


def test_a_private_target_is_refused_without_a_request(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    with Receiver() as receiver:
        outcome = transport.post(url=receiver.url, body=b"{}", headers={}, timeout=2)
        assert outcome.error == "private_address" and receiver.received == []


def test_a_post_sends_the_body_and_headers_and_keeps_the_answer(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    with Receiver() as receiver:
        outcome = transport.post(url=receiver.url, body=b'{"a":1}', headers={"webhook-id": "msg_1"}, timeout=5)
        [got] = receiver.received
    assert (outcome.status_code, outcome.error, outcome.excerpt, outcome.succeeded) == (200, "", "ok", True)
    assert got["body"] == b'{"a":1}' and got["headers"]["webhook-id"] == "msg_1"
    assert got["headers"]["content-type"] == "application/json"
    assert got["headers"]["user-agent"] == transport.USER_AGENT


def test_an_error_answer_is_kept_with_its_excerpt(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    with Receiver(mode="fail") as receiver:
        outcome = transport.post(url=receiver.url, body=b"{}", headers={}, timeout=5)
    assert (outcome.status_code, outcome.excerpt, outcome.succeeded) == (500, "boom", False)


def test_a_slow_receiver_is_a_timeout(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    with Receiver(mode="slow", delay=1.0) as receiver:
        outcome = transport.post(url=receiver.url, body=b"{}", headers={}, timeout=0.2)
    assert (outcome.status_code, outcome.error) == (None, "timeout")


def test_a_redirect_is_the_receivers_answer_not_a_new_target(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    followed = []

    class Redirecting(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            followed.append(self.path)
            self.send_response(302)
            self.send_header("location", "/elsewhere")
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirecting)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        outcome = transport.post(url=f"http://127.0.0.1:{server.server_address[1]}/hooks", body=b"{}", headers={},
                                 timeout=5)
    finally:
        server.shutdown()
        server.server_close()
    assert outcome.status_code == 302 and followed == ["/hooks"]


def test_an_unreachable_receiver_is_reported(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once closed
    outcome = transport.post(url=f"http://127.0.0.1:{port}/", body=b"{}", headers={}, timeout=2)
    assert outcome.status_code is None and outcome.error.startswith("unreachable")
