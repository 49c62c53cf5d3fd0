"""Standard Webhooks signatures (tasks/webhooks/signing.py): secrets in the `whsec_` form, the
signature over `<id>.<timestamp>.<body>` recomputed independently with hmac, and a receiver's
check refusing a changed body, another secret, a stale timestamp or a missing header."""

import base64
import hashlib
import hmac

import pytest

from tasks.webhooks import signing


def test_a_new_secret_is_32_random_bytes_after_the_prefix():
    first, second = signing.secret_generate(), signing.secret_generate()
    assert first.startswith("whsec_") and first != second
    assert len(base64.b64decode(first.removeprefix("whsec_"))) == 32


def test_the_signature_is_hmac_sha256_of_id_timestamp_and_body():
    key = bytes(range(32))
    secret = "whsec_" + base64.b64encode(key).decode()
    expected = base64.b64encode(hmac.new(key, b"msg_1.1700000000.{}", hashlib.sha256).digest()).decode()
    assert signing.signature(secret=secret, message_id="msg_1", timestamp=1700000000, body="{}") == "v1," + expected
    # bytes and text bodies sign alike; a secret given without its prefix too
    assert signing.signature(secret=secret.removeprefix("whsec_"), message_id="msg_1", timestamp=1700000000.9,
                             body=b"{}") == "v1," + expected


def test_headers_for_sign_what_the_receiver_checks():
    secret = signing.secret_generate()
    headers = signing.headers_for(secret=secret, message_id="msg_2", body=b'{"a":1}', timestamp=1700000000)
    assert headers["webhook-id"] == "msg_2" and headers["webhook-timestamp"] == "1700000000"
    assert signing.signature_verify(secret=secret, headers={k.upper(): v for k, v in headers.items()},
                                    body=b'{"a":1}', now=1700000100)


@pytest.mark.parametrize("change", ["body", "secret", "stale", "future", "no_id", "bad_timestamp", "no_signature"])
def test_the_receivers_check_refuses_anything_changed(change):
    secret = signing.secret_generate()
    body, now = b'{"a":1}', 1700000000
    headers = signing.headers_for(secret=secret, message_id="msg_3", body=body, timestamp=now)
    if change == "body":
        body = b'{"a":2}'
    elif change == "secret":
        secret = signing.secret_generate()
    elif change == "stale":
        now += signing.TOLERANCE_SECONDS + 1
    elif change == "future":
        now -= signing.TOLERANCE_SECONDS + 1
    elif change == "no_id":
        del headers["webhook-id"]
    elif change == "bad_timestamp":
        headers["webhook-timestamp"] = "soon"
    else:
        del headers["webhook-signature"]
    assert not signing.signature_verify(secret=secret, headers=headers, body=body, now=now)
