"""The stewards' review API (issue 23; tasks/api/steward.py): the list of country-restricted
projects awaiting review in the coops the caller stewards, approve, refuse with a reason, through
the same services, events, idempotence and errors as the page (tests/tasks/test_country_review.py),
each response held to the OpenAPI schema. Money is conserved after every decision."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Notice, OrganisationStaff
from accounts.requesters.services import api_key_create
from accounts.services import member_key_create
from coop.eventlog.models import Event
from ledger.selectors import escrow_balance, requester_balance
from tasks.models import Project
from tasks.services import project_review_approve
from tests.factories import LEGAL, CoopFactory, member, project_in_review, published_project, steward
from tests.tasks.test_api import SchemaClient
from tests.tasks.test_country_review import _books_balanced, _written

pytestmark = pytest.mark.django_db

LIST = "/api/steward/projects/"
REASON = "The ethics approval cited has expired; send the renewed one."


def _approve(pk):
    return f"/api/steward/projects/{pk}/approve/"


def _refuse(pk):
    return f"/api/steward/projects/{pk}/refuse/"


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


@pytest.fixture
def review(schema):
    """Coop A's steward (by session), a project of coop A in review, and another coop's."""
    coop, other_coop = CoopFactory(), CoopFactory()
    reviewer = steward(coop).user
    project = project_in_review(coop, title="Malagasy voices")
    elsewhere = project_in_review(other_coop, title="Lagos voices")
    raw = APIClient()
    raw.force_login(reviewer)
    return {"coop": coop, "steward": reviewer, "project": project, "elsewhere": elsewhere, "raw": raw,
            "client": SchemaClient(raw, schema), "schema": schema,
            "before": requester_balance(organisation=project.organisation) + project.escrow_held}


def _as(user, schema):
    raw = APIClient()
    raw.force_login(user)
    return SchemaClient(raw, schema)


def _events(project, type):
    return Event.objects.filter(type=type, subject_id=project.pk).count()


# --- the list --------------------------------------------------------------------------------------

def test_a_steward_lists_the_projects_awaiting_review_in_their_coop(review):
    body = review["client"].call("get", LIST)
    [row] = body["results"]  # not the other coop's
    project = review["project"]
    assert (row["id"], row["coop"], row["title"], row["status"], row["review_state"]) == (
        project.pk, review["coop"].slug, "Malagasy voices", "review", "pending")
    assert row["requester"] == project.organisation.name
    assert (row["legal_reason"], row["legal_reason_label"], row["legal_reason_text"]) == (
        "data_residency", "a data-residency law", LEGAL["legal_reason_text"])
    [requirement] = row["requirements"]
    assert requirement["name"] == "Lives in Madagascar" and "MG" in requirement["rule"]
    assert row["held"] == project.escrow_held == escrow_balance(project=project) > 0
    assert row["review_submitted_at"] and row["reviewed_at"] is None


def test_the_list_speaks_the_request_language(review):
    response = review["raw"].get(LIST, HTTP_ACCEPT_LANGUAGE="fr")
    label = response.json()["results"][0]["legal_reason_label"]
    assert label and label != "a data-residency law"


def test_the_list_leaves_out_decided_projects_and_costs_the_same_for_three_or_more(review,
                                                                                 django_assert_num_queries):
    coop = review["coop"]
    for n in range(2):
        project_in_review(coop, title=f"More voices {n}", qualification=f"In Madagascar {n}")
    decided = project_in_review(coop, title="Decided", qualification="In Madagascar, decided")
    project_review_approve(steward=review["steward"], project=decided)
    # session, the user with their profile (one statement: accounts/backends.py), the caller's
    # coops, the page (organisation and coop joined), then requirements, qualifications, their
    # rules: the same whatever the rows
    with django_assert_num_queries(7):
        body = review["client"].call("get", LIST)
    assert [r["title"] for r in body["results"]] == ["Malagasy voices", "More voices 0", "More voices 1"]


# --- approve and refuse ------------------------------------------------------------------------------

def test_a_steward_approves_through_the_api_as_on_the_page(review):
    project = review["project"]
    owner = project.organisation.owner
    body = review["client"].call("post", _approve(project.pk))
    assert (body["status"], body["review_state"]) == ("open", "approved") and body["reviewed_at"]
    project.refresh_from_db()
    assert project.status == Project.Status.OPEN and project.slots.count() == 1
    assert _events(project, "project.review_approved") == _events(project, "project.published") == 1
    assert Notice.objects.filter(user=owner, kind="project_review").exists()
    assert review["client"].call("get", LIST)["results"] == []
    _books_balanced()


def test_a_steward_refuses_with_a_reason_and_the_money_goes_back(review):
    project = review["project"]
    body = review["client"].call("post", _refuse(project.pk), {"reason": REASON})
    assert (body["status"], body["review_state"], body["review_reason"]) == ("draft", "refused", REASON)
    assert escrow_balance(project=project) == 0
    assert requester_balance(organisation=project.organisation) == review["before"]
    assert _events(project, "project.review_refused") == 1
    assert REASON in Notice.objects.get(user=project.organisation.owner, kind="project_review").text
    _books_balanced()


@pytest.mark.parametrize("data", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "too short"},
                                  {"reason": "x" * 1001}, {"reason": ["a list of words"]}, {"reason": None}])
def test_a_refusal_without_its_reason_is_refused_and_nothing_is_written(review, data):
    before = _written()
    body = review["client"].call("post", _refuse(review["project"].pk), data, expect=400)
    assert body["code"] == "reason_required" and body["extra"] == {"fields": {"reason": "required"}}
    assert "Write the reason for the requester" in body["message"]
    assert _written() == before


@pytest.mark.parametrize("pk", [999_999, 2**70])
def test_an_unknown_project_is_a_404(review, pk):
    for url, data in ((_approve(pk), None), (_refuse(pk), {"reason": REASON})):
        assert review["client"].call("post", url, data, expect=404)["code"] == "unknown_project"


def test_a_decided_project_is_decided_once(review):
    project, c = review["project"], review["client"]
    c.call("post", _approve(project.pk))
    before = _written()
    for url, data in ((_approve(project.pk), None), (_refuse(project.pk), {"reason": REASON})):
        assert c.call("post", url, data, expect=409)["code"] == "not_in_review"
    assert _written() == before
    assert _events(project, "project.review_approved") == 1


def test_a_project_that_is_not_in_review_is_a_409(review):
    opened = published_project(review["coop"], tasks=1)  # no country requirement: open at publish
    before = _written()
    assert review["client"].call("post", _approve(opened.pk), expect=409)["code"] == "not_in_review"
    assert review["client"].call("post", _refuse(opened.pk), {"reason": REASON}, expect=409)["code"] == \
        "not_in_review"
    assert _written() == before


def test_a_retry_with_its_idempotency_key_gets_the_first_answer(review):
    project, c, raw = review["project"], review["client"], review["raw"]
    first = c.call("post", _refuse(project.pk), {"reason": REASON}, **{"Idempotency-Key": "refuse-1"})
    again = raw.post(_refuse(project.pk), {"reason": REASON}, format="json", headers={"Idempotency-Key": "refuse-1"})
    assert again.status_code == 200 and again.json() == first and again["Idempotent-Replayed"] == "true"
    assert _events(project, "project.review_refused") == 1
    other = c.call("post", _refuse(project.pk), {"reason": REASON + " Again."}, expect=409,
                   **{"Idempotency-Key": "refuse-1"})
    assert other["code"] == "idempotency_key_reused"
    _books_balanced()


# --- who may ------------------------------------------------------------------------------------

def test_members_and_requesters_are_refused_and_nothing_is_written(review):
    project, schema = review["project"], review["schema"]
    owner = project.organisation.owner
    before = _written()
    for user in (member(review["coop"]).user, owner):  # a member of the coop, the requester's owner
        c = _as(user, schema)
        assert c.call("get", LIST, expect=403)["code"] == "not_a_steward"
        assert c.call("post", _approve(project.pk), expect=403)["code"] == "not_a_steward"
        assert c.call("post", _refuse(project.pk), {"reason": REASON}, expect=403)["code"] == "not_a_steward"
    anonymous = SchemaClient(APIClient(), schema)
    assert anonymous.call("post", _approve(project.pk), expect=403)["code"] == "not_authenticated"
    assert _written() == before


def test_another_coops_steward_sees_neither_the_project_nor_that_it_exists(review):
    project = review["project"]
    c = _as(steward(CoopFactory()).user, review["schema"])
    assert c.call("get", LIST)["results"] == []
    assert c.call("post", _approve(project.pk), expect=404)["code"] == "unknown_project"
    assert c.call("post", _refuse(project.pk), {"reason": REASON}, expect=404)["code"] == "unknown_project"
    assert Project.objects.get(pk=project.pk).status == Project.Status.REVIEW


def test_a_steward_on_the_requesters_staff_does_not_review_it(review):
    project = review["project"]
    both = steward(review["coop"]).user
    OrganisationStaff.objects.create(organisation=project.organisation, user=both)
    before = _written()
    c = _as(both, review["schema"])
    assert c.call("post", _approve(project.pk), expect=403)["code"] == "reviewer_is_requester"
    assert _written() == before


def test_no_api_key_acts_as_a_steward(review):
    """An organisation's key and a steward's own member key are both refused: by session only."""
    project = review["project"]
    _key, org_secret = api_key_create(user=project.organisation.owner, organisation=project.organisation,
                                      name="script", scopes=["read", "projects", "review"])
    _mkey, member_secret = member_key_create(user=review["steward"], name="steward script", scopes=["read", "work"])
    for secret in (org_secret, member_secret):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        assert client.get(LIST).status_code == 403
        response = client.post(_approve(project.pk), format="json")
        assert response.status_code == 403 and response.json()["code"] == "api_key_not_allowed"
    assert Project.objects.get(pk=project.pk).status == Project.Status.REVIEW


# --- the schema ---------------------------------------------------------------------------------------

def test_the_schema_documents_the_three_operations(schema):
    paths = schema["paths"]
    listing = paths["/api/steward/projects/"]["get"]
    approve = paths["/api/steward/projects/{id}/approve/"]["post"]
    refuse = paths["/api/steward/projects/{id}/refuse/"]["post"]
    assert [op["operationId"] for op in (listing, approve, refuse)] == [
        "steward_projects_list", "steward_projects_approve", "steward_projects_refuse"]
    assert all(op["tags"] == ["stewards"] for op in (listing, approve, refuse))
    for op in (approve, refuse):
        assert {"200", "400", "403", "404", "409"} <= set(op["responses"])
        assert op["responses"]["200"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ReviewProject"}
        assert op["responses"]["409"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"}
        assert "Idempotency-Key" in [p["name"] for p in op["parameters"] if p["in"] == "header"]
    body = refuse["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    refusal = schema["components"]["schemas"][body]
    assert refusal["required"] == ["reason"] and refusal["properties"]["reason"]["minLength"] == 10
    project = schema["components"]["schemas"]["ReviewProject"]
    assert {"id", "coop", "requester", "legal_reason", "legal_reason_label", "requirements", "held",
            "review_state"} <= set(project["properties"])
