"""coop/core/guard.py: the JSON reader for untrusted input, the answer for a refused request
(JSON under /api/, a page elsewhere) and the middleware refusing NUL characters."""

import json

import pytest
from django.db import DataError
from django.http import HttpResponse
from django.test import RequestFactory

from coop.core.errors import NotFound
from coop.core.guard import MAX_JSON_DEPTH, InputGuardMiddleware, JSONInputError, check_json, error_response, json_loads

rf = RequestFactory()


def test_json_loads_reads_ordinary_json():
    assert json_loads('{"a": [1, "b", {"c": null}]}') == {"a": [1, "b", {"c": None}]}


@pytest.mark.parametrize("text", [
    "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1),  # too deep
    "[" * 100_000,  # deep enough for RecursionError in the parser
    '{"a": "x\\u0000y"}',  # a NUL in a value
    '{"a\\u0000": 1}',  # a NUL in a key
    "{not json",
])
def test_json_loads_refuses_with_a_value_error(text):
    with pytest.raises(ValueError):
        json_loads(text)


def test_check_json_depth_limit_is_exact():
    nested = []
    for _ in range(MAX_JSON_DEPTH - 1):
        nested = [nested]
    assert check_json(nested) is nested  # MAX_JSON_DEPTH levels pass
    with pytest.raises(JSONInputError):
        check_json([nested])
    with pytest.raises(JSONInputError):
        check_json({"a": 1}, max_depth=0)


def test_error_response_is_json_under_the_api_and_a_page_elsewhere():
    api = error_response(rf.get("/api/things/"), 409, "conflict", "Taken.", {"field": "x"})
    assert api.status_code == 409
    assert json.loads(api.content) == {"code": "conflict", "message": "Taken.", "extra": {"field": "x"}}
    page = error_response(rf.get("/things/"), 403, "forbidden", "Not yours.")
    assert page.status_code == 403 and b"Not yours." in page.content and page["Content-Type"].startswith("text/html")


def test_middleware_refuses_a_nul_in_the_query_and_passes_the_rest():
    middleware = InputGuardMiddleware(lambda request: HttpResponse("ok"))
    refused = middleware(rf.get("/api/things/", {"q\x00": "1"}))
    assert refused.status_code == 400
    assert json.loads(refused.content)["extra"] == {"field": "q"}
    assert middleware(rf.get("/api/things/", {"q": "fine"})).content == b"ok"


def test_middleware_shows_a_domain_error_with_its_status_and_a_data_error_as_400():
    middleware = InputGuardMiddleware(lambda request: HttpResponse("ok"))
    request = rf.get("/api/things/1/")
    not_found = middleware.process_exception(request, NotFound("gone", "It is gone."))
    assert not_found.status_code == 404 and json.loads(not_found.content)["code"] == "gone"
    assert middleware.process_exception(request, DataError("bad")).status_code == 400
    assert middleware.process_exception(request, KeyError("other")) is None
