"""coop/eventlog/canonical.py: event payloads as RFC 8785 canonical JSON (JCS)."""

import pytest

from coop.eventlog.canonical import canonical_bytes


def test_keys_are_sorted_and_the_output_is_compact():
    assert canonical_bytes({"b": 1, "a": [True, None, "x"]}) == b'{"a":[true,null,"x"],"b":1}'


def test_text_is_utf8_not_escaped():
    assert canonical_bytes({"name": "Zoë ✓"}) == '{"name":"Zoë ✓"}'.encode()


def test_non_ascii_keys_are_sorted_by_utf16_code_units():
    # U+FF21 (one UTF-16 unit, 0xFF21) sorts after U+1F600 (a surrogate pair starting 0xD83D),
    # though its code point is smaller: RFC 8785 section 3.2.3
    value = {"\uff21": 1, "\U0001f600": 2, "a": 3}
    assert canonical_bytes(value) == '{"a":3,"\U0001f600":2,"\uff21":1}'.encode()


def test_the_same_payload_gives_the_same_bytes_whatever_its_key_order():
    one, other = {"x": {"b": 2, "a": 1}, "y": [1, 2]}, {"y": [1, 2], "x": {"a": 1, "b": 2}}
    assert canonical_bytes(one) == canonical_bytes(other)


@pytest.mark.parametrize(("value", "message"), [
    ({"amount": 1.5}, "floats"),
    ({"big": 2**53}, "IEEE double"),
    ({1: "x"}, "keys must be strings"),
    ({"when": object()}, "not allowed"),
])
def test_what_jcs_cannot_encode_here_is_refused(value, message):
    with pytest.raises(TypeError, match=message):
        canonical_bytes(value)


def test_the_largest_safe_integer_is_kept():
    assert canonical_bytes([2**53 - 1, -(2**53 - 1)]) == b"[9007199254740991,-9007199254740991]"
