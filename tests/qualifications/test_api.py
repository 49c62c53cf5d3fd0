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
    with django_assert_num_queries(4):  # session, user with profile, coop, qualifications (+ joins) and test rows
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


def test_a_requester_defines_and_funds_a_test_through_the_api(client):
    from ledger.services import deposit_record
    from tests.factories import TEST_KEY, TEST_QUESTIONS, operator

    org = organisation()
    deposit_record(operator=operator(), organisation=org, amount=10_000, reference="wire")
    client.force_login(org.owner)
    body = {"coop": CoopFactory().slug, "name": "Careful reader", "questions": TEST_QUESTIONS,
            "answer_key": TEST_KEY, "pass_mark": 75, "time_limit_minutes": 30, "retry_hours": 24,
            "estimated_minutes": 10, "reward": 150, "attempts": 5}
    low = client.post(reverse("qualifications-api:tests"), body, content_type="application/json")
    assert low.status_code == 400 and low.json()["code"] == "below_floor_rate"
    created = client.post(reverse("qualifications-api:tests"), {**body, "reward": 200},
                          content_type="application/json")
    assert created.status_code == 201
    assert created.json() | {"id": 0, "qualification": 0} == {
        "id": 0, "qualification": 0, "reward": 200, "fee": 50, "attempts_funded": 5, "attempts_left": 5,
        "max_attempts": 3, "pass_mark": 75}
    more = client.post(reverse("qualifications-api:test_fund", args=[created.json()["id"]]), {"attempts": 100},
                       content_type="application/json")
    assert more.status_code == 400 and more.json()["code"] == "insufficient_funds"


def test_claiming_through_the_api_without_the_qualification_is_refused(client):
    from tasks.models import Assignment
    from tasks.qualifications.services import project_requirements_set

    m = member()
    q = computed_qualification(m.coop, name="Senior member")
    org = organisation()
    project = open_project(m.coop, organisation=org, tasks=2)
    project_requirements_set(actor=org.owner, project=project, qualifications=[q])
    client.force_login(m.user)
    response = client.post(reverse("tasks-api:project_claim", args=[project.pk]))
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "not_eligible"
    assert body["message"] == "Needs the qualification “Senior member”: 30 more days of membership."
    assert body["extra"]["reasons"][0]["qualification"] == q.pk
    assert not Assignment.objects.exists()
    project_requirements_set(actor=org.owner, project=project, qualifications=[])
    assert client.post(reverse("tasks-api:project_claim", args=[project.pk])).status_code == 201


def test_my_qualifications_read_the_record_once_whatever_their_number(client, django_assert_num_queries):
    m = member()
    rules = [{"metric": "tenure_days", "op": ">=", "value": n} for n in (10, 20, 30, 40, 50, 60)]
    for n, rule in enumerate(rules[:3]):
        computed_qualification(m.coop, rule, name=f"Q{n}")
    client.force_login(m.user)
    url = reverse("qualifications-api:mine")
    client.get(url)
    # session, user with profile (language), membership, qualifications, grants, the record (one key)
    with django_assert_num_queries(6):
        assert len(client.get(url).json()) == 3
    for n, rule in enumerate(rules[3:]):
        computed_qualification(m.coop, rule, name=f"R{n}")
    with django_assert_num_queries(6):
        body = client.get(url).json()
    assert len(body) == 6 and body[0]["clauses"][0]["missing"] == "10 more days of membership"
