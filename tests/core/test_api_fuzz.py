"""Junk against every API operation (issue 15, leak 11), schemathesis-style but with
hypothesis only: the operations, their parameters and body fields come from the OpenAPI
schema the project serves; values are junk (NUL, deep nesting, huge and negative numbers,
wrong types, long text). Whatever comes in, the answer is never a 500, and an error is
always `{code, message, extra}` JSON."""

import json
from functools import cache

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks.services import assignment_claim, assignment_submit
from tests.factories import CoopFactory, member, published_project, steward

pytestmark = pytest.mark.django_db

HUGE = 2**70
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-HUGE, max_value=HUGE),
    st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(["", "\x00", "a\x00b", "x" * 5000, "-1",
                                                                        "1e309", "../../etc", "<script>", "=1+1"]),
    st.text(max_size=20),
)
JUNK = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                          max_size=3), max_leaves=8)
PATH_JUNK = ["0", "-1", "99999999999999999999999", "abc", "%00", "1.5", "%E2%80%AE"]
RAW_BODIES = [("application/json", "[" * 3000), ("application/json", "[" * 2000 + "]" * 2000),
              ("application/json", '{"a": "\\u0000"}'), ("application/json", "\xff\xfe"),
              ("text/plain", "hello"), ("application/xml", "<a/>"),
              ("multipart/form-data; boundary=x", "--x\r\nbroken"), ("application/x-www-form-urlencoded", "a=%00")]


@cache
def operations():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    ops = []
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            fields = []
            body = (op.get("requestBody") or {}).get("content", {}).get("application/json", {}).get("schema", {})
            ref = body.get("$ref") or (body.get("items") or {}).get("$ref")
            if ref:
                fields = sorted(components[ref.rsplit("/", 1)[1]].get("properties", {}))
            query = sorted(p["name"] for p in op.get("parameters", []) if p["in"] == "query")
            ops.append((method, path, tuple(fields), tuple(query)))
    return ops


@pytest.fixture
def world():
    coop = CoopFactory()
    project = published_project(coop, tasks=2)
    worker = member(coop).user
    assignment = assignment_claim(member=worker, project=project)
    assignment_submit(member=worker, assignment=assignment, answers={"label": "yes"})
    ids = sorted({str(project.pk), str(assignment.pk), "1"})
    clients = {"anonymous": Client()}
    for name, user in [("member", worker), ("steward", steward(coop).user), ("owner", project.organisation.owner)]:
        clients[name] = Client()
        clients[name].force_login(user)
    return {"clients": clients, "ids": ids, "slugs": [coop.slug, "no-such-coop"]}


def fill(path, value, slug):
    out = []
    for part in path.split("/"):
        if part.startswith("{"):
            part = slug if part == "{slug}" else value
        out.append(part)
    return "/".join(out)


def check(response, where):
    assert response.status_code < 500, where
    if response.status_code >= 400 and not where[1].startswith(("/api/docs", "/api/schema")):
        assert response["Content-Type"].startswith("application/json"), (where, response["Content-Type"])
        body = response.json()
        assert set(body) == {"code", "message", "extra"}, (where, body)


def call(client, method, url, body, content_type):
    return getattr(client, method)(url, body, content_type=content_type) if method != "get" else client.get(url)


def test_every_operation_takes_raw_junk_bodies_and_paths_without_a_500(world):
    """The deterministic sweep: every operation, as a member and as a requester owner."""
    client_names = ["member", "owner"]
    for method, path, _fields, _query in operations():
        for name in client_names:
            client = world["clients"][name]
            for value in PATH_JUNK[:3] if "{" in path else [""]:
                url = fill(path, value, "no%00coop")
                check(call(client, method, url, "{}", "application/json"), (method, url, name))
            url = fill(path, world["ids"][0], world["slugs"][0])
            if method == "get":
                check(client.get(url + "?cursor=%00&page_size=-5&after=x&since=%ff&month=13&organisation=a"),
                      (method, url, name))
                continue
            for content_type, raw in RAW_BODIES:
                check(call(client, method, url, raw, content_type), (method, url, name, content_type))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=st.data())
def test_junk_fields_from_the_schema_never_give_a_500(world, data):
    method, path, fields, query = data.draw(st.sampled_from(operations()))
    who = data.draw(st.sampled_from(sorted(world["clients"])))
    value = data.draw(st.sampled_from(world["ids"] + PATH_JUNK))
    url = fill(path, value, data.draw(st.sampled_from(world["slugs"])))
    params = data.draw(st.dictionaries(st.sampled_from(query), st.text(max_size=12), max_size=3)) if query else {}
    client = world["clients"][who]
    if method == "get":
        response = client.get(url, params)
    else:
        body = data.draw(st.fixed_dictionaries({}, optional={f: JUNK for f in fields}) if fields else JUNK)
        response = call(client, method, url, json.dumps(body), "application/json")
    check(response, (method, url, who))


# --- pages ----------------------------------------------------------------------------------

def page_routes():
    from django.urls import get_resolver
    from django.urls.resolvers import URLResolver

    def walk(resolver, prefix=""):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                yield from walk(p, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern)

    return sorted({r for r in walk(get_resolver()) if not r.startswith(("api/", "admin/", "^"))})


def fill_route(route, value):
    import re

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: "x" if m.group(1) in ("str", "slug") else value, route)


JUNK_FORM = {"id": "abc", "action": "\u202e", "page": "-1", "amount": "1e400", "month": "2026-13", "org": "x",
             "coop": "no", "language": "zz", "qualification": "abc", "steward": "x:y", "data_category": "nope",
             "reason": "x" * 3000, "choice": "[]", "nonce": "", "since": "-5", "ids": "a,b", "title": "a\x00b",
             "statement": "\x00" * 30, "body": "x\x00", "email": "a\x00@b.example", "display_name": "\x00"}


def test_every_page_takes_junk_query_and_form_without_a_500(world):
    failures = []
    for route in page_routes():
        for name in ("member", "steward", "owner"):
            client = world["clients"][name]
            client.raise_request_exception = False
            url = fill_route(route, world["ids"][0])
            if client.get(url + "?page=%00").status_code != 400:
                failures.append(("NUL query not a 400", url, name))
            if client.get(url, {k: v for k, v in JUNK_FORM.items() if k != "reason"}).status_code >= 500:
                failures.append(("GET", url, name))
            if client.post(url, JUNK_FORM).status_code >= 500:
                failures.append(("POST", url, name))
    assert failures == []
