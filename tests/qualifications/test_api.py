"""The qualifications API: status, body shape and one error each; lists pin their queries."""

import pytest
from django.urls import reverse

from tasks.qualifications.models import Attempt, QualificationGrant
from tests.factories import (
    HALF,
    RIGHT,
    CoopFactory,
    computed_qualification,
    granted_qualification,
    member,
    open_project,
    organisation,
    paid_test,
)

pytestmark = pytest.mark.django_db


def test_qualifications_list_shows_each_rule_in_words(client, django_assert_num_queries):
    coop = CoopFactory()
    computed_qualification(coop, name="Senior member")
    granted_qualification(coop)
    paid_test(coop)
    client.force_login(member(coop).user)
    with django_assert_num_queries(5):  # session, user, coop, qualifications (+ joins), test rows
        response = client.get(reverse("qualifications-api:list"), {"coop": coop.slug})
    assert response.status_code == 200
    body = response.json()
    assert [q["name"] for q in body] == ["Senior member", "Trusted reviewer", "Malagasy transcriber"]
    assert body[0]["words"] == "at least 30 days of membership and French among your languages"
    assert body[0]["rule"]["all"][0] == {"metric": "tenure_days", "op": ">=", "value": 30}
    assert body[2]["kind"] == "test" and body[2]["test"] and "answer_key" not in body[2]


def test_qualifications_create_refuses_a_bad_rule_with_where_and_why(client):
    org = organisation()
    client.force_login(org.owner)
    response = client.post(reverse("qualifications-api:list"), {
        "coop": CoopFactory().slug, "name": "Fast", "kind": "computed",
        "rule": {"any": [{"metric": "approval_rate", "op": ">=", "value": "95"}]}}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_rule"
    assert response.json()["extra"] == {"path": "any[0].value", "problem": "number_as_text"}
    ok = client.post(reverse("qualifications-api:list"), {
        "coop": CoopFactory().slug, "name": "Fast", "kind": "computed",
        "rule": {"metric": "approval_rate", "op": ">=", "value": 95}}, content_type="application/json")
    assert ok.status_code == 201 and ok.json()["organisation"] == org.name and ok.json()["version"] == 1


def test_qualifications_explain_gives_each_clause(client):
    m = member()
    q = computed_qualification(m.coop)
    client.force_login(m.user)
    body = client.get(reverse("qualifications-api:explain", args=[q.pk])).json()
    assert body["passed"] is False and body["held"] is False
    assert body["clauses"][0] == {"key": "tenure_days", "text": "at least 30 days of membership", "value_text": "0",
                                  "passed": False, "missing": "30 more days of membership", "progress": 0}
    assert client.get(reverse("qualifications-api:explain", args=[q.pk + 99])).json()["code"] == "not_found"


def test_project_qualifications_put_and_get_with_the_eligible_count(client):
    coop = CoopFactory()
    org = organisation()
    q = computed_qualification(coop)
    project = open_project(coop, organisation=org, tasks=1)
    client.force_login(org.owner)
    url = reverse("qualifications-api:project_qualifications", args=[project.pk])
    response = client.put(url, {"qualifications": [q.pk]}, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"qualifications": [q.pk], "eligible_members": 0, "active_members": 1}
    bad = client.put(url, {"qualifications": ["x"]}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"


def test_paid_attempt_through_the_api_is_paid_once(client):
    from ledger.selectors import wallet_balance

    test = paid_test(CoopFactory())
    m = member(test.qualification.coop).user
    client.force_login(m)
    started = client.post(reverse("qualifications-api:attempt_start", args=[test.pk]))
    assert started.status_code == 201
    assert started.json()["questions"][0]["name"] == "capital" and "tsara" not in started.content.decode()
    url = reverse("qualifications-api:attempt_submit", args=[started.json()["id"]])
    done = client.post(url, {"answers": HALF}, content_type="application/json")
    assert done.status_code == 200 and done.json()["score"] == 50 and done.json()["wrong"] == ["sum", "colours"]
    again = client.post(url, {"answers": RIGHT}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "already_submitted"
    assert wallet_balance(user=m) == 300 and Attempt.objects.get().score == 50
    assert not QualificationGrant.objects.exists()
