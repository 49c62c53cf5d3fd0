"""One webhook POST (tasks/webhooks/transport.py): the address connected to is the address that
was checked (a name that answers differently the second time, DNS rebinding, is never asked
twice), TLS keeps the host name for SNI and the certificate's check, and the Host header names it."""

import datetime
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tasks.webhooks import transport
from tests.webhooks.receiver import Receiver

NAME = "hooks.example"


class Rebinding:
    """getaddrinfo for NAME: 127.0.0.1 the first time, an unchecked address every time after."""

    def __init__(self, real):
        self.real, self.asked = real, 0

    def __call__(self, host, port, *args, **kwargs):
        if host != NAME:
            return self.real(host, port, *args, **kwargs)
        self.asked += 1
        address = "127.0.0.1" if self.asked == 1 else "10.255.255.1"
        return self.real(address, port, *args, **kwargs)


@pytest.fixture
def rebinding(monkeypatch, settings):
    """Outside development; for this test only, 127.0.0.1 stands for a public address."""
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    resolver = Rebinding(transport.socket.getaddrinfo)
    monkeypatch.setattr(transport.socket, "getaddrinfo", resolver)
    monkeypatch.setattr(transport, "address_allowed", lambda address: address == "127.0.0.1")
    return resolver


def test_the_request_goes_to_the_address_checked_not_to_a_second_answer(rebinding):
    with Receiver() as receiver:
        port = receiver.server.server_address[1]
        outcome = transport.post(url=f"http://{NAME}:{port}/hook?x=1", body=b'{"a":1}',
                                 headers={"webhook-id": "msg_1"}, timeout=2)
    assert outcome.status_code == 200 and outcome.excerpt == "ok", outcome
    assert rebinding.asked == 1  # resolved once: the connection did not ask again
    got = receiver.received[0]
    assert got["path"] == "/hook?x=1" and got["body"] == b'{"a":1}'
    assert got["headers"]["host"] == f"{NAME}:{port}" and got["headers"]["webhook-id"] == "msg_1"


def test_a_name_with_any_unchecked_address_is_refused_before_connecting(monkeypatch, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    monkeypatch.setattr(transport.socket, "getaddrinfo", lambda *a, **k: [
        (2, 1, 6, "", ("93.184.215.14", 443)), (2, 1, 6, "", ("127.0.0.1", 443))])
    assert transport.post(url=f"https://{NAME}/x", body=b"{}", headers={}, timeout=1).error == "private_address"
    monkeypatch.setattr(transport.socket, "getaddrinfo", lambda *a, **k: (_ for _ in ()).throw(OSError("no")))
    assert transport.post(url=f"https://{NAME}/x", body=b"{}", headers={}, timeout=1).error == "unresolvable"


def _certificate(tmp_path):
    """A key and a self-signed certificate valid for NAME only (not for 127.0.0.1)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAME)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(NAME)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def test_tls_to_the_pinned_address_keeps_the_host_name_for_sni_and_the_certificate(rebinding, tmp_path,
                                                                                  monkeypatch):
    cert_file, key_file = _certificate(tmp_path)
    seen = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            seen["host"] = self.headers.get("host")
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert_file, key_file)
    server_context.sni_callback = lambda sock, name, ctx: seen.__setitem__("sni", name)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def trusting_the_test_certificate():
        context = ssl.create_default_context(cafile=str(cert_file))
        return context

    monkeypatch.setattr(transport, "_tls_context", trusting_the_test_certificate)
    port = server.server_address[1]
    try:
        outcome = transport.post(url=f"https://{NAME}:{port}/hook", body=b"{}", headers={}, timeout=3)
    finally:
        server.shutdown()
        server.server_close()
    assert outcome.status_code == 204, outcome
    assert seen == {"sni": NAME, "host": f"{NAME}:{port}"} and rebinding.asked == 1
