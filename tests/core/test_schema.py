"""coop/core/schema.py: every operation of the generated OpenAPI schema documents the error
statuses it can answer with (400 and 403 always, 404 on a path naming an object, 409 and 503
on writes, 413 and 415 where a body is read), each with the one error body."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from coop.core.schema import ERROR_STATUSES


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method.upper(), operation


def test_every_operation_documents_its_error_statuses(schema):
    missing = []
    for path, method, operation in _operations(schema):
        wanted = {400, 403}
        if "{" in path:
            wanted.add(404)
        if method != "GET":
            wanted |= {409, 503}
        if method in ("POST", "PUT", "PATCH"):
            wanted |= {413, 415}
        documented = {int(code) for code in operation["responses"] if code.isdigit()}
        if not wanted <= documented:
            missing.append(f"{method} {path}: {sorted(wanted - documented)}")
    assert missing == []


def test_error_responses_share_one_body_and_say_when_they_happen(schema):
    bodies, descriptions = set(), {}
    for _path, _method, operation in _operations(schema):
        for code, response in operation["responses"].items():
            if code.isdigit() and int(code) >= 400:
                bodies.add(response["content"]["application/json"]["schema"]["$ref"])
                descriptions.setdefault(int(code), response["description"])
    assert bodies == {"#/components/schemas/Error"}
    for code, description in descriptions.items():
        assert description == str(ERROR_STATUSES.get(code, "")), code
    assert set(schema["components"]["schemas"]["Error"]["properties"]) == {"code", "message", "extra"}
