"""coop/core/parsers.py: the API's JSON parser holds input to coop.core.guard's limits."""

import io

import pytest
from rest_framework.exceptions import ParseError

from coop.core.parsers import JSONParser


def _parse(raw):
    return JSONParser().parse(io.BytesIO(raw.encode()), "application/json", {})


def test_ordinary_json_is_parsed():
    assert _parse('{"title": "Label photos", "tasks": [1, 2]}') == {"title": "Label photos", "tasks": [1, 2]}


def test_a_nul_character_is_a_parse_error():
    with pytest.raises(ParseError, match="JSON parse error"):
        _parse('{"title": "a\\u0000b"}')


def test_json_nested_too_deeply_is_a_parse_error():
    with pytest.raises(ParseError, match="JSON parse error"):
        _parse("[" * 40 + "]" * 40)  # deeper than MAX_JSON_DEPTH (32)


def test_malformed_json_is_a_parse_error():
    with pytest.raises(ParseError):
        _parse('{"title": ')
