"""The OpenAPI schema tells the truth (issue 15, leak 14).

Every documented GET operation is called with seeded data (two coops, two organisations:
the authorization matrix's world, with the event log sequenced and a checkpoint signed) as
every role, and each response, whatever its status, is held to what the schema documents
for that status: the status must be documented, and the body must validate against it,
strictly (a field the schema does not name is a mismatch too). Every operation must answer
with a documented 2xx for at least one role. Error responses (a 400, 403, 404, 409, 413,
415) are held to the one error shape. A new GET endpoint is called automatically, and one
without seeded parameters fails until it gets them (tests/test_authorization_matrix.py)."""

import json
import re

import jsonschema
import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from tests.test_authorization_matrix import (
    ANON,
    API_KEY,
    MEMBER,
    OPERATOR,
    ROLES,
    STAFF,
    STEWARD,
    _client,
    _patterns,
    _request,
    _seed,
    _url,
)

pytestmark = pytest.mark.django_db

SIGNING_KEY = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"  # RFC 8032 test 1

# Query strings some GET operations need to reach their data (everything else: none).
QUERIES = {
    "qualifications-api:list": "coop=alpha",
    "eventlog-api:inclusion_proof": "position=1",
    "eventlog-api:consistency_proof": "first=1",
}


def strict(node):
    """OpenAPI 3.0 -> JSON Schema: `nullable` becomes a null type, and an object with named
    properties admits no other (a field the schema does not document is a mismatch)."""
    if isinstance(node, dict):
        node = {k: (v if k == "properties" and not isinstance(v, dict) else strict(v)) for k, v in node.items()}
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        if "oneOf" in node:  # drf-spectacular's "blank or a URL/email": without format checks both match
            node["anyOf"] = node.pop("oneOf")
        if node.pop("nullable", False):
            node = {"anyOf": [node, {"type": "null"}]} if "type" not in node or "$ref" in node \
                else {**node, "type": [node["type"], "null"]}
        return node
    if isinstance(node, list):
        return [strict(v) for v in node]
    return node


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The matrix's world, plus a sequenced event log and a signed checkpoint."""
    from accounts.models import DataExport
    from coop.eventlog.checkpoints import checkpoint_sign
    from tests.eventlog.helpers import sequence_all

    with django_db_blocker.unblock(), override_settings(EVENTLOG_SIGNING_KEY=SIGNING_KEY):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            w = _seed()
            # the export's job is queued on commit, which never comes here: mark it built
            DataExport.objects.filter(pk=w.obj["export"].pk).update(
                status=DataExport.Status.READY, content=b"PK\x05\x06" + bytes(18), size=22, finished_at=timezone.now())
            sequence_all()
            checkpoint_sign()
            yield w
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def schema(world, django_db_blocker):
    with django_db_blocker.unblock():
        response = _client(ANON, world).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return strict(response.json())


def _operation(schema, method, url):
    path = url.split("?")[0]
    # literal segments first: /api/qualifications/mine/ is not /api/qualifications/{id}/
    for template, item in sorted(schema["paths"].items(), key=lambda kv: kv[0].count("{")):
        if re.fullmatch(re.sub(r"\{[^}]+\}", r"[^/]+", template), path):
            return (template, item[method]) if method in item else (None, None)
    return None, None


def _api_names():
    return sorted({name for name, _ in _patterns() if "-api:" in name})


def check(schema, method, url, response):
    """What is wrong with `response` according to the schema (a list of messages)."""
    template, op = _operation(schema, method, url)
    if op is None:
        return [f"{method.upper()} {url}: not in the schema"]
    documented = op["responses"].get(str(response.status_code))
    if documented is None:
        return [f"{method.upper()} {template}: {response.status_code} is not documented "
                f"(documented: {sorted(op['responses'])}): {response.content[:300]!r}"]
    content_type = response.get("Content-Type", "").split(";")[0]
    if "content" not in documented:
        return [] if not response.content else [f"{method.upper()} {template}: a body where none is documented"]
    if content_type not in documented["content"]:
        return [f"{method.upper()} {template} {response.status_code}: {content_type} is not documented"]
    if content_type != "application/json":
        return []
    body_schema = {**documented["content"][content_type]["schema"], "components": schema["components"]}
    try:
        jsonschema.validate(json.loads(response.content), body_schema)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path)
        return [f"{method.upper()} {template} {response.status_code} at '{where}': {exc.message}"]
    return []


@pytest.fixture(scope="module")
def walked(world, schema, django_db_blocker):
    """Every documented GET under /api/, requested as every role."""
    problems, reached, calls = [], set(), 0
    with django_db_blocker.unblock(), override_settings(EVENTLOG_SIGNING_KEY=SIGNING_KEY):
        clients = {role: _client(role, world) for role in ROLES}
        for name in _api_names():
            url = _url(name, world)
            template, op = _operation(schema, "get", url)
            if op is None:
                continue
            if name in QUERIES:
                url = f"{url}?{QUERIES[name]}"
            for role in ROLES:
                response = _request(clients[role], "GET", url)
                calls += 1
                problems += [f"{p} (as {role})" for p in check(schema, "get", url, response)]
                if 200 <= response.status_code < 300:
                    reached.add(template)
    return {"problems": problems, "reached": reached, "calls": calls}


def test_every_get_response_matches_the_schema(walked):
    assert walked["problems"] == [], "\n".join(walked["problems"])


def test_every_documented_get_is_called_and_answers(walked, schema):
    documented = {path for path, item in schema["paths"].items() if "get" in item and path.startswith("/api/")}
    assert documented - walked["reached"] == set(), "no role got a 2xx: seed data or a query (QUERIES)"


def test_every_operation_declares_the_error_shape(schema):
    missing = []
    for path, item in schema["paths"].items():
        for method, op in item.items():
            codes = {code for code in op["responses"] if code.startswith(("4", "5"))}
            if not {"400", "403"} <= codes:
                missing.append(f"{method.upper()} {path}: declares {sorted(codes)}")
            for code in codes:
                ref = op["responses"][code]["content"]["application/json"]["schema"]
                if ref != {"$ref": "#/components/schemas/Error"}:
                    missing.append(f"{method.upper()} {path} {code}: {ref}")
    assert missing == []
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "message", "extra"}


# --- errors, each held to the schema ------------------------------------------------------------

def _call(world, role, method, url, **kwargs):
    client = _client(role, world)
    with transaction.atomic():
        response = getattr(client, method)(url, **kwargs)
        transaction.set_rollback(True)
    return response


@pytest.mark.parametrize(("role", "method", "url", "kwargs", "status", "code"), [
    (STAFF, "get", "/api/projects/999999/", {}, 404, "unknown_project"),
    (STEWARD, "get", "/api/forums/rooms/999999/", {}, 404, "unknown_room"),
    (ANON, "get", "/api/eventlog/events/?limit=0", {}, 400, "invalid"),
    (MEMBER, "get", "/api/ledger/wallet/statement/?month=2026-13", {}, 400, "invalid"),
    (MEMBER, "get", "/api/qualifications/mine/?coop=a%00b", {}, 400, "null_character"),
    (ANON, "get", "/api/ledger/wallet/", {}, 403, "not_authenticated"),
    (MEMBER, "post", "/api/ledger/deposits/",
     {"data": {"organisation": 1, "amount": 5, "reference": "x"}, "content_type": "application/json"},
     403, "operator_only"),
    (STAFF, "post", "/api/projects/", {"data": "hello", "content_type": "text/plain"}, 415,
     "unsupported_media_type"),
    (STAFF, "post", "/api/projects/", {"data": "[" * 3000, "content_type": "application/json"}, 400, "parse_error"),
    (OPERATOR, "post", "/api/ledger/deposits/",
     {"data": '{"reference": "' + "x" * 3_000_000 + '"}', "content_type": "application/json"}, 413, "too_large"),
])
def test_error_responses_match_the_error_shape(world, schema, role, method, url, kwargs, status, code):
    response = _call(world, role, method, url, **kwargs)
    assert response.status_code == status, response.content[:300]
    assert response.json()["code"] == code
    assert check(schema, method, url, response) == []


def test_a_conflict_matches_the_error_shape(world, schema):
    url = f"/api/projects/{world.obj['project'].pk}/publish/"  # already published
    response = _call(world, STAFF, "post", url, data={}, content_type="application/json")
    assert response.status_code == 409, response.content[:300]
    assert check(schema, "post", url, response) == []


def test_an_undocumented_field_is_a_mismatch(world, schema):
    """The check itself: a body with a field the schema does not name fails."""
    from django.http import JsonResponse

    response = _call(world, API_KEY, "get", "/api/requester/organisation/")
    assert response.status_code == 200
    assert check(schema, "get", "/api/requester/organisation/", response) == []
    tampered = JsonResponse({**response.json(), "owner_email": "someone@example.org"})
    assert check(schema, "get", "/api/requester/organisation/", tampered) != []
    assert check(schema, "get", "/api/qualifications/mine/", JsonResponse({"held": True})) != []
