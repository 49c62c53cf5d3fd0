"""Standard Webhooks signatures (standardwebhooks.com, the scheme Svix and others publish).

The secret is `whsec_` + base64 of 32 random bytes; the HMAC key is those bytes. Each
request carries `webhook-id` (the message id, the same on every retry, for de-duplication),
`webhook-timestamp` (Unix seconds of this attempt) and `webhook-signature`: `v1,` + base64
of HMAC-SHA256 over `<id>.<timestamp>.<body>`. A receiver recomputes it with the secret,
compares in constant time and refuses a timestamp more than five minutes off.
`signature_verify` is that receiver's check (the tests use it; docs/requester-toolkit.md
shows it)."""

import base64
import hashlib
import hmac
import secrets
import time

PREFIX = "whsec_"
TOLERANCE_SECONDS = 300


def secret_generate():
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret):
    text = str(secret)
    return base64.b64decode(text[len(PREFIX):] if text.startswith(PREFIX) else text)


def signature(*, secret, message_id, timestamp, body):
    """The `webhook-signature` value for one attempt: `v1,<base64 HMAC-SHA256>`."""
    content = f"{message_id}.{int(timestamp)}.".encode() + (body if isinstance(body, bytes) else str(body).encode())
    return "v1," + base64.b64encode(hmac.new(_key(secret), content, hashlib.sha256).digest()).decode()


def headers_for(*, secret, message_id, body, timestamp=None):
    timestamp = int(time.time() if timestamp is None else timestamp)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret=secret, message_id=message_id, timestamp=timestamp, body=body),
    }


def signature_verify(*, secret, headers, body, now=None, tolerance=TOLERANCE_SECONDS):
    """True when `headers` (any case) sign `body` with `secret` within `tolerance` seconds."""
    lower = {str(k).lower(): v for k, v in headers.items()}
    message_id, stamp, sent = (lower.get("webhook-id"), lower.get("webhook-timestamp"),
                               lower.get("webhook-signature", ""))
    try:
        timestamp = int(stamp)
    except (TypeError, ValueError):
        return False
    now = time.time() if now is None else now
    if not message_id or abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret=secret, message_id=message_id, timestamp=timestamp, body=body)
    return any(hmac.compare_digest(expected, candidate) for candidate in str(sent).split())
