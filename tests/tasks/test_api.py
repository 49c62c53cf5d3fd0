"""The requester flow through the API with an API key, each response checked against the
OpenAPI schema the server publishes."""

import re

import jsonschema
import pytest
from rest_framework.test import APIClient

from accounts.pseudonyms import worker_pseudonym
from accounts.requesters.services import api_key_create
from ledger.selectors import requester_balance, wallet_balance
from ledger.services import deposit_record
from tasks.models import Assignment, Project
from tasks.services import assignment_claim, assignment_submit
from tests.factories import CoopFactory, member, operator, organisation

pytestmark = pytest.mark.django_db

FORM = [{"name": "label", "type": "single_choice", "label": "Cat?", "choices": ["yes", "no"],
         "show": {"image": "image_url"}}]


def _nullable(node):
    """OpenAPI 3.0 `nullable` -> JSON Schema `type: [..., "null"]`."""
    if isinstance(node, dict):
        node = {k: _nullable(v) for k, v in node.items()}
        if node.pop("nullable", False):
            if "type" in node:
                node["type"] = [node["type"], "null"]
            else:
                node = {"anyOf": [node, {"type": "null"}]}
        return node
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    return node


class SchemaClient:
    def __init__(self, client, schema):
        self.client, self.schema = client, _nullable(schema)

    def _operation(self, method, path):
        for template, item in self.schema["paths"].items():
            pattern = "^" + re.sub(r"\{[^}]+\}", r"[^/]+", template) + "$"
            if re.match(pattern, path.split("?")[0]) and method in item:
                return item[method]
        raise AssertionError(f"{method.upper()} {path} is not in the OpenAPI schema")

    def call(self, method, path, data=None, expect=200, **headers):
        op = self._operation(method, path)
        response = getattr(self.client, method)(path, data, format="json", headers=headers)
        assert response.status_code == expect, response.content
        documented = op["responses"].get(str(expect))
        assert documented, f"{expect} not documented for {method.upper()} {path}"
        body_schema = documented["content"]["application/json"]["schema"]
        jsonschema.validate(response.json(), {**body_schema, "components": self.schema["components"]})
        return response.json()


@pytest.fixture
def api():
    coop = CoopFactory(slug="tana-test")
    org = organisation()
    deposit_record(operator=operator(), organisation=org, amount=100_000, reference="wire-1")
    _key, secret = api_key_create(user=org.owner, organisation=org, name="script")
    client = APIClient()
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return {"client": SchemaClient(client, schema), "raw": client, "org": org, "coop": coop}


def test_whole_requester_flow_with_an_api_key(api):
    c, org = api["client"], api["org"]
    project = c.call("post", "/api/projects/", {
        "coop": "tana-test", "title": "Cats", "category": "labelling", "question_form": FORM, "reward": 100,
        "estimated_minutes": 2, "instructions": "Is there a cat?"}, expect=201)
    assert project["status"] == "draft" and project["hourly_rate"] == 3000
    pid = project["id"]
    added = c.call("post", f"/api/projects/{pid}/tasks/",
                   {"tasks": [{"image_url": f"https://img.example/{i}.jpg"} for i in range(3)]}, expect=201)
    assert added["added"] == 3
    bad = c.call("post", f"/api/projects/{pid}/tasks/", {"tasks": [{"image_url": "nope"}]}, expect=400)
    assert bad["code"] == "bad_rows" and bad["extra"]["rows"][0]["line"] == 1
    published = c.call("post", f"/api/projects/{pid}/publish/", expect=200, **{"Idempotency-Key": "pub-1"})
    assert published["status"] == "open" and published["remaining"] == 3
    # the batch's fee (3 x 100 x 5% = 15) split exactly: juror fund 1.5 and coop 10.5 tie on the
    # remainder, the juror fund gets the unit (tasks/fees.py)
    assert (published["fee_coop"], published["fee_federation"], published["fee_juror"]) == (10, 3, 2)
    again = api["raw"].post(f"/api/projects/{pid}/publish/", format="json", headers={"Idempotency-Key": "pub-1"})
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert requester_balance(organisation=org) == 100_000 - 3 * 105
    workers = [member(api["coop"]).user for _ in range(3)]
    project_obj = Project.objects.get(pk=pid)
    for w in workers:
        assignment_submit(member=w, assignment=assignment_claim(member=w, project=project_obj),
                          answers={"label": "yes"})
    listing = c.call("get", f"/api/projects/{pid}/assignments/?status=submitted")
    rows = listing["results"]
    assert len(rows) == 3 and {r["worker"] for r in rows} == {worker_pseudonym(user=w, organisation=org)
                                                               for w in workers}
    assert all("email" not in str(r) and "member" not in r for r in rows)
    a, b, d = sorted(r["id"] for r in rows)
    c.call("post", f"/api/assignments/{a}/approve/", expect=200)
    conflict = c.call("post", f"/api/assignments/{a}/approve/", expect=409)
    assert conflict["code"] == "not_submitted"
    rejected = c.call("post", f"/api/assignments/{b}/reject/", {
        "reason": "wrong_answer", "explanation": "There is no cat in picture 2, only a dog."})
    assert rejected["status"] == "rejected" and rejected["appeal_deadline"]
    c.call("post", f"/api/projects/{pid}/assignments/approve/", {"ids": [d]})
    c.call("post", f"/api/assignments/{d}/bonus/", {"amount": 50, "reason": "Very careful work."}, expect=201)
    paid = [wallet_balance(user=Assignment.objects.get(pk=x).member) for x in (a, b, d)]
    assert paid == [100, 0, 150]
    cancelled = c.call("post", f"/api/projects/{pid}/cancel/")
    assert cancelled["status"] == "cancelled"
    c.call("get", "/api/projects/")


def test_same_idempotency_key_with_another_body_is_409(api):
    c = api["client"]
    body = {"coop": "tana-test", "title": "A", "category": "x", "question_form": FORM, "reward": 100,
            "estimated_minutes": 2}
    c.call("post", "/api/projects/", body, expect=201, **{"Idempotency-Key": "k1"})
    c.call("post", "/api/projects/", body, expect=201, **{"Idempotency-Key": "k1"})
    assert Project.objects.count() == 1
    c.call("post", "/api/projects/", {**body, "title": "B"}, expect=409, **{"Idempotency-Key": "k1"})


def test_project_list_pins_its_query_count(api, django_assert_num_queries):
    c = api["client"]
    for title in ("A", "B", "C"):
        c.call("post", "/api/projects/", {"coop": "tana-test", "title": title, "category": "x",
                                          "question_form": FORM, "reward": 100, "estimated_minutes": 2}, expect=201)
    with django_assert_num_queries(2):  # the API key with its organisation, the page of projects
        body = c.call("get", "/api/projects/")
    assert len(body["results"]) == 3


def test_assignment_list_pins_its_query_count(api, django_assert_num_queries):
    from tests.factories import published_project

    project = published_project(api["coop"], tasks=4, organisation=api["org"])
    for _ in range(3):
        w = member(api["coop"]).user
        assignment_submit(member=w, assignment=assignment_claim(member=w, project=project), answers={"label": "no"})
    with django_assert_num_queries(4):  # the same for any number of rows
        body = api["client"].call("get", f"/api/projects/{project.pk}/assignments/")
    assert len(body["results"]) == 3


def test_another_requesters_project_is_not_found_and_members_are_refused(api):
    other = organisation()
    _k, secret = api_key_create(user=other.owner, organisation=other, name="other")
    c = api["client"]
    pid = c.call("post", "/api/projects/", {"coop": "tana-test", "title": "Mine", "category": "x",
                                            "question_form": FORM, "reward": 100, "estimated_minutes": 2},
                 expect=201)["id"]
    intruder = APIClient()
    intruder.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert intruder.get(f"/api/projects/{pid}/").status_code == 404
    assert intruder.post(f"/api/projects/{pid}/publish/").status_code == 404
    worker = APIClient()
    worker.force_authenticate(member(api["coop"]).user)
    assert worker.get("/api/projects/").status_code == 403
    assert worker.post(f"/api/projects/{pid}/cancel/").status_code == 403
    assert APIClient().get("/api/projects/").status_code in (401, 403)
    assert Project.objects.get(pk=pid).status == "draft"
