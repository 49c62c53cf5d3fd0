"""The OpenAPI schema tells the truth (issue 15, leak 14).

Every documented GET operation is called with seeded data (two coops, two organisations:
the authorization matrix's world, with the event log sequenced and a checkpoint signed) as
every role, and each response, whatever its status, is held to what the schema documents
for that status: the status must be documented, and the body must validate against it,
strictly (a field the schema does not name is a mismatch too). Every operation must answer
with a documented 2xx for at least one role. Every write operation is called once with a
valid body (`WRITES`) and must succeed with the body its schema documents; a write missing
from `WRITES` fails. Error responses (a 400, 403, 404, 409, 413, 415) are held to the one
error shape. A new GET endpoint is called automatically, and one without seeded parameters
fails until it gets them (tests/test_authorization_matrix.py)."""

import json
import re

import jsonschema
import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from tests.factories.federation import PASSWORD
from tests.factories.qualifications import TEST_KEY
from tests.test_authorization_matrix import (
    ANON,
    API_KEY,
    MEMBER,
    OPERATOR,
    OTHER_MEMBER,
    ROLES,
    STAFF,
    STEWARD,
    _aggregation_run,
    _client,
    _patterns,
    _request,
    _seed,
    _url,
    _webhook,
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
            # The matrix makes these on first use; made inside a write's rolled-back savepoint
            # they would vanish and later URLs would name a missing row (a 404 that depends on
            # which test of the module ran first: pytest-xdist splits the module across workers).
            _aggregation_run(w)
            _webhook(w)
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


# --- writes: each documented write operation, with a valid body, succeeds as documented ----------
# URL name -> (method, role, body, setup). `setup(w)` runs inside the request's savepoint and
# returns the URL's keyword arguments, or None for the matrix's seeded ones (PARAMS). Each
# call is rolled back, so the entries do not depend on one another.

def _draft_proposal(w):
    from coop.governance.services import proposal_create

    return {"pk": proposal_create(author=w.users[MEMBER], title="Longer breaks",
                                  body="Ten minutes of break for every hour of work.", changes=[]).pk}


def _open_draft(w):
    from tasks.services import tasks_add

    tasks_add(actor=w.obj["org1"].owner, project=w.obj["draft"], rows=[{"image_url": "https://img.example/b.jpg"}])
    return {"pk": w.obj["draft"].pk}


def _paused_project(w):
    from tasks.services import project_pause

    project_pause(actor=w.obj["org1"].owner, project=w.obj["project"])
    return {"pk": w.obj["project"].pk}


def _claimed(w):
    """A task the member holds now (the member API's writes act on it)."""
    from tasks.services import assignment_claim
    from tests.factories import open_project

    project = open_project(w.obj["project"].coop, tasks=1, organisation=w.obj["project"].organisation)
    return {"pk": assignment_claim(member=w.users[MEMBER], project=project).pk}


def _invitee(w):
    from tests.factories import UserFactory

    w.users["invitee"] = UserFactory(email="invitee@lab-one.example")


def _with_password(w):
    user = w.users[OTHER_MEMBER]
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])


def _terms(w):
    from accounts.models import TermsVersion

    return TermsVersion.objects.order_by("-number").first()


def _test_body(w):
    from tests.factories.qualifications import TEST_QUESTIONS

    return {"coop": "alpha", "name": "Second test", "questions": TEST_QUESTIONS, "answer_key": TEST_KEY,
            "pass_mark": 75, "time_limit_minutes": 30, "retry_hours": 0, "estimated_minutes": 10, "reward": 300}


def _project_body(w):
    from tests.factories.tasks import project_fields

    return {**project_fields(title="From the API"), "coop": "alpha"}


WRITES = {
    "appeals-api:appeals": ("post", MEMBER, lambda w: {"revocation": w.obj["revocation"].pk,
                                                       "statement": "I still review carefully; please look again."}),
    "appeals-api:appeal-answer": ("post", STAFF, {"text": "The lower half was part of the task."}),
    "appeals-api:project-flag": ("post", MEMBER, {"kind": "pay_too_low", "comment": ""}),
    "tasks-api:assignment_approve": ("post", STAFF, {}),
    "tasks-api:assignment_bonus": ("post", STAFF, {"amount": 100, "reason": "Careful work"}),
    "tasks-api:assignment_reject": ("post", STAFF, {"reason": "incomplete",
                                                    "explanation": "Half of the picture was not labelled."}),
    "tasks-api:assignment_revision": ("post", STAFF, {"comment": "Please label the lower half too."}),
    "tasks-api:assignments_approve": ("post", STAFF, lambda w: {"ids": [w.obj["submitted"].pk]}),
    "tasks-api:projects": ("post", STAFF, _project_body),
    "tasks-api:project_tasks": ("post", STAFF, {"tasks": [{"image_url": "https://img.example/c.jpg"}]}),
    "tasks-api:project_publish": ("post", STAFF, {}, _open_draft),
    "tasks-api:project_pause": ("post", STAFF, {}),
    "tasks-api:project_resume": ("post", STAFF, {}, _paused_project),
    "tasks-api:project_cancel": ("post", STAFF, {}),
    "tasks-api:project_claim": ("post", STEWARD, {}),
    "tasks-api:work_draft": ("post", MEMBER, {"draft": {"label": "yes"}}, _claimed),
    "tasks-api:work_submit": ("post", MEMBER, {"answers": {"label": "yes"}}, _claimed),
    "tasks-api:work_return": ("post", MEMBER, {}, _claimed),
    # issue 23: the stewards' review of the seeded country-restricted project (PARAMS: in review in coop A)
    "tasks-api:steward_project_approve": ("post", STEWARD, {}),
    "tasks-api:steward_project_refuse": ("post", STEWARD, {"reason": "The cited law does not cover labelling."}),
    "qualifications-api:project_qualifications": ("put", STAFF, {"qualifications": []}),
    "qualifications-api:list": ("post", STAFF, {"coop": "alpha", "name": "Careful labeller", "kind": "granted"}),
    "qualifications-api:versions": ("post", STEWARD, lambda w: {
        "rule": {"all": [{"metric": "tenure_days", "op": ">=", "value": 60}]}, "reason": "Longer tenure"}),
    "qualifications-api:tests": ("post", STAFF, _test_body),
    "qualifications-api:test_fund": ("post", STAFF, {"attempts": 1}),
    "qualifications-api:attempt_start": ("post", MEMBER, {}),
    "qualifications-api:attempt_submit": ("post", MEMBER, lambda w: {"answers": TEST_KEY}),
    "forums-api:messages": ("post", MEMBER, {"body": "Hello **all**"}),
    "forums-api:read": ("post", MEMBER, {}),
    "forums-api:message": ("patch", MEMBER, {"body": "Hello, edited"},
                           lambda w: {"message_id": w.obj["message"].pk}),
    "forums-api:hide": ("post", STEWARD, {"reason": "Off topic"}),
    "forums-api:report": ("post", STEWARD, {"reason": "Rude to a member"}),
    "governance-api:proposals": ("post", MEMBER, {"title": "Longer breaks",
                                                 "body": "Ten minutes of break for every hour of work."}),
    "governance-api:ballot_cast": ("post", STEWARD, {"choice": "yes"}),
    "governance-api:proposal_submit": ("post", MEMBER, {}, _draft_proposal),
    "governance-api:proposal_withdraw": ("post", MEMBER, {}, _draft_proposal),
    "ledger-api:deposits": ("post", OPERATOR, lambda w: {"organisation": w.obj["org1"].pk, "amount": 500,
                                                         "reference": "wire 2"}),
    "ledger-api:payouts": ("post", STEWARD, {"amount": 500, "method": "mobile_money", "details": "+261 34 00 000 01"}),
    "accounts-api:data_exports": ("post", MEMBER, {}),
    "accounts-api:erasure": ("post", OTHER_MEMBER, {"password": PASSWORD}, _with_password),
    "accounts-api:organisations": ("post", MEMBER, {"name": "Lab Three"}),
    "accounts-api:organisation_me": ("patch", STAFF, {"description": "We label pictures."}),
    "accounts-api:terms_accept": ("post", STAFF, lambda w: {"version": _terms(w).number}),
    "accounts-api:staff_detail": ("patch", STAFF, {"role": "owner"}),
    "accounts-api:invitations": ("post", STAFF, {"email": "second@lab-one.example"}),
    "accounts-api:invitation_revoke": ("post", STAFF, {}),
    "accounts-api:invitation_accept": ("post", "invitee", lambda w: {"token": w.obj["token"]}, _invitee),
    "accounts-api:api_keys": ("post", STAFF, {"name": "ci", "scopes": ["read"]}),
    "accounts-api:api_key_revoke": ("post", STAFF, {}),
    # issue 20: webhooks, aggregation and gold tasks
    "webhooks-api:webhooks": ("post", STAFF, {"url": "https://hooks.lab-one.example/new",
                                              "events": ["assignment.submitted", "balance.low"]}),
    "webhooks-api:webhook": ("patch", STAFF, {"active": False}),
    "webhooks-api:webhook_rotate": ("post", STAFF, {}),
    "webhooks-api:delivery_replay": ("post", STAFF, {}),
    "quality-api:aggregation": ("post", STAFF, {"method": "majority_vote"}),
    "quality-api:gold": ("post", STAFF, lambda w: {"task": w.obj["project"].tasks.order_by("pk").first().pk,
                                                   "expected": {"label": "yes"},
                                                   "explanation": "A cat: whiskers and pointed ears."}),
}
WRITES_DELETE = {"accounts-api:staff_detail": STAFF, "webhooks-api:webhook": STAFF}
# Writes no seeded role can make succeed, with where their success is tested instead.
WRITES_ELSEWHERE = {
    "appeals-api:appeal-accept": "needs a drawn juror: tests/appeals",
    "appeals-api:appeal-decline": "needs a drawn juror: tests/appeals",
    "appeals-api:appeal-vote": "needs a drawn juror: tests/appeals",
}


def _write(w, schema, name, method, role, body, setup=None):
    from django.urls import reverse

    from tests.test_authorization_matrix import PARAMS

    with transaction.atomic():
        kwargs = setup(w) if setup else None
        if kwargs is None and name in PARAMS:
            kwargs = PARAMS[name](w)
        url = reverse(name, kwargs=kwargs) if kwargs else reverse(name)
        if role in w.users and w.users[role] is not None or role == API_KEY:
            client = _client(role, w)
        else:
            client = _client(ANON, w)
        if role == "invitee":
            client.force_login(w.users["invitee"])
        data = body(w) if callable(body) else body
        response = getattr(client, method)(url, data=data, content_type="application/json")
        transaction.set_rollback(True)
    return url, response


def test_every_write_succeeds_as_documented(world, schema):
    documented = {(path, method) for path, item in schema["paths"].items() for method in item if method != "get"}
    walked, problems = set(), []
    with override_settings(EVENTLOG_SIGNING_KEY=SIGNING_KEY):
        calls = [(name, *entry) for name, entry in WRITES.items()]
        calls += [(name, "delete", role, None) for name, role in WRITES_DELETE.items()]
        for name, method, role, body, *setup in calls:
            url, response = _write(world, schema, name, method, role, body, *setup)
            template, _op = _operation(schema, method, url)
            walked.add((template, method))
            if not 200 <= response.status_code < 300:
                problems.append(f"{method.upper()} {name} as {role}: {response.status_code} {response.content[:300]!r}")
            problems += check(schema, method, url, response)
    for name in WRITES_ELSEWHERE:
        for template, item in schema["paths"].items():
            if re.fullmatch(re.sub(r"\{[^}]+\}", r"[^/]+", template), _url(name, world)):
                walked |= {(template, method) for method in item if method != "get"}
    assert problems == [], "\n".join(problems)
    assert documented - walked == set(), "a write operation without a call in WRITES (or WRITES_ELSEWHERE)"


@pytest.mark.parametrize("url", ["/api/coops/", "/api/ledger/wallet/"])
def test_an_unknown_api_key_is_a_documented_403_even_where_anyone_may_read(world, schema, url):
    """Why 403 is on every operation: the key is refused before any permission is looked at."""
    client = _client(ANON, world)
    response = client.get(url, HTTP_AUTHORIZATION="Bearer atl_not-a-key")
    assert response.status_code == 403
    assert response.json()["code"] == "authentication_failed"
    assert check(schema, "get", url, response) == []


def test_a_bare_list_of_messages_comes_out_under_non_field_errors():
    """`extra` is always an object, as the Error component says."""
    from rest_framework import serializers

    from coop.core.api import exception_handler

    response = exception_handler(serializers.ValidationError("Give one of a or b."), {})
    assert response.status_code == 400
    assert response.data == {"code": "invalid", "message": "Invalid input.",
                              "extra": {"non_field_errors": ["Give one of a or b."]}}
