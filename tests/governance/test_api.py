import pytest
from rest_framework.test import APIClient

from coop.governance.models import Proposal
from tests.factories import CoopFactory, deadline_pass, proposal_voting, voter

pytestmark = pytest.mark.django_db

FLOOR_UP = [{"kind": "parameter", "name": "floor_hourly_rate", "value": 1500}]


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_proposal_create_api_returns_the_proposal_with_its_diff():
    coop = CoopFactory()
    a = voter(coop)
    response = _client(a.user).post("/api/governance/proposals/", {
        "title": "Raise the floor rate", "body": "Fair pay", "changes": FLOOR_UP, "submit": True}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["proposal"]["status"] == "discussion" and body["proposal"]["coop"] == coop.slug
    assert body["proposal"]["changes"] == [{"kind": "parameter", "key": "floor_hourly_rate", "current": 1200,
                                            "proposed": 1500, "skipped": ""}]
    assert body["tally"] is None and body["my_vote"] == {"eligible": False, "voted": False, "choice": None}


def test_proposal_create_api_refuses_a_value_below_the_federation_floor():
    a = voter(CoopFactory())
    response = _client(a.user).post("/api/governance/proposals/", {
        "title": "Lower the floor", "changes": [{"kind": "parameter", "name": "floor_hourly_rate", "value": 900}]},
        format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_parameter" and response.json()["extra"] == {
        "parameter": "floor_hourly_rate"}
    assert not Proposal.objects.exists()


def test_ballot_cast_api_records_the_vote_and_shows_the_live_tally():
    coop = CoopFactory()
    a, b = voter(coop), voter(coop)
    proposal = proposal_voting(author=a.user, changes=FLOOR_UP)
    response = _client(b.user).post(f"/api/governance/proposals/{proposal.pk}/ballot/", {"choice": "yes"},
                                    format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["my_vote"] == {"eligible": True, "voted": True, "choice": "yes"}
    assert (body["tally"]["yes"], body["tally"]["cast"], body["tally"]["eligible"]) == (1, 1, 2)


def test_ballot_cast_api_refuses_a_late_vote_with_409():
    coop = CoopFactory()
    a = voter(coop)
    proposal = deadline_pass(proposal_voting(author=a.user, changes=FLOOR_UP))
    response = _client(a.user).post(f"/api/governance/proposals/{proposal.pk}/ballot/", {"choice": "yes"},
                                    format="json")
    assert response.status_code == 409 and response.json()["code"] == "voting_closed"


def test_secret_ballot_api_hides_the_tally_while_open():
    coop = CoopFactory()
    a = voter(coop)
    proposal = proposal_voting(author=a.user, changes=FLOOR_UP, secret=True)
    response = _client(a.user).post(f"/api/governance/proposals/{proposal.pk}/ballot/", {"choice": "no"},
                                    format="json")
    assert response.status_code == 200 and response.json()["tally"] is None
    assert response.json()["my_vote"]["choice"] == "no"


def test_proposal_list_api_has_a_fixed_number_of_queries(django_assert_num_queries):
    coop = CoopFactory()
    a = voter(coop)
    for i in range(4):
        proposal_voting(author=a.user, changes=FLOOR_UP, title=f"Proposal number {i}")
    client = _client(a.user)
    with django_assert_num_queries(3):  # membership, proposals with coop and author, their changes
        response = client.get("/api/governance/proposals/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 4 and results[0]["changes"][0]["key"] == "floor_hourly_rate"


def test_proposal_detail_api_hides_other_coops_proposals():
    a = voter(CoopFactory())
    outsider = voter(CoopFactory())
    proposal = proposal_voting(author=a.user, changes=FLOOR_UP)
    response = _client(outsider.user).get(f"/api/governance/proposals/{proposal.pk}/")
    assert response.status_code == 404 and response.json()["code"] == "proposal_not_found"


def test_proposal_submit_and_withdraw_api():
    coop = CoopFactory()
    a, b = voter(coop), voter(coop)
    created = _client(a.user).post("/api/governance/proposals/", {"title": "Raise the floor rate",
                                                                  "changes": FLOOR_UP}, format="json").json()
    pk = created["proposal"]["id"]
    assert created["proposal"]["status"] == "draft"
    refused = _client(b.user).post(f"/api/governance/proposals/{pk}/submit/")
    assert refused.status_code == 404  # another member's draft is not visible to them
    submitted = _client(a.user).post(f"/api/governance/proposals/{pk}/submit/")
    assert submitted.status_code == 200 and submitted.json()["proposal"]["status"] == "discussion"
    not_author = _client(b.user).post(f"/api/governance/proposals/{pk}/withdraw/")
    assert not_author.status_code == 403 and not_author.json()["code"] == "not_author"
    withdrawn = _client(a.user).post(f"/api/governance/proposals/{pk}/withdraw/")
    assert withdrawn.status_code == 200 and withdrawn.json()["proposal"]["status"] == "withdrawn"


# --- every kind of change the propose form offers, through the API (issue 16 point 12) -----

def _propose(user, changes, **extra):
    return _client(user).post("/api/governance/proposals/", {"title": "A change for the coop", "changes": changes,
                                                             **extra}, format="json")


def test_qualification_rule_change_through_the_api_is_accepted_and_checked():
    from tests.factories.qualifications import SENIOR_RULE, computed_qualification

    coop = CoopFactory()
    a = voter(coop)
    qualification = computed_qualification(coop)
    rule = {"all": [{"metric": "tenure_days", "op": ">=", "value": 60}]}
    response = _propose(a.user, [{"kind": "qualification_rule", "qualification": qualification.pk, "rule": rule}])
    assert response.status_code == 201, response.json()
    change = response.json()["proposal"]["changes"][0]
    assert (change["kind"], change["key"], change["proposed"]) == ("qualification_rule", str(qualification.pk), rule)
    assert change["current"] == SENIOR_RULE
    bad = _propose(a.user, [{"kind": "qualification_rule", "qualification": qualification.pk,
                             "rule": {"metric": "nope"}}])
    assert bad.status_code == 400 and bad.json()["code"] != "invalid_qualification"


@pytest.mark.parametrize("change,key,proposed", [
    ({"kind": "parameter", "name": "floor_hourly_rate", "value": 1500}, "floor_hourly_rate", 1500),  # money
    ({"kind": "parameter", "name": "platform_fee_bps", "value": 400}, "platform_fee_bps", 400),  # percentage
    ({"kind": "parameter", "name": "auto_approval_hours", "value": 48}, "auto_approval_hours", 48),  # duration
    ({"kind": "parameter", "name": "allocation_policy", "value": "first_come"}, "allocation_policy", "first_come"),
    ({"kind": "parameter", "name": "payout_methods", "value": ["mobile_money"]}, "payout_methods", ["mobile_money"]),
    ({"kind": "parameter", "name": "supermajority", "value": "3/4"}, "supermajority", "3/4"),
    ({"kind": "parameter", "name": "juror_fund_reserve", "value": 6000}, "juror_fund_reserve", 6000),
    ({"kind": "article", "number": 9, "title": "Kindness", "body": "Members answer each other kindly."}, "9", None),
    ({"kind": "data_category", "category": "adult_content", "action": "ban"}, "adult_content", None),
])
def test_every_rulebook_change_the_form_offers_is_accepted_by_the_api(change, key, proposed):
    a = voter(CoopFactory())
    response = _propose(a.user, [change])
    assert response.status_code == 201, response.json()
    out = response.json()["proposal"]["changes"][0]
    assert (out["kind"], out["key"]) == (change["kind"], key)
    if proposed is not None:
        assert out["proposed"] == proposed


def test_steward_elections_recalls_and_federation_bounds_through_the_api():
    from tests.factories import steward

    coop = CoopFactory()
    a, b = voter(coop), voter(coop)
    s = steward(coop)
    response = _propose(a.user, [{"kind": "steward_elect", "membership": b.pk},
                                 {"kind": "steward_recall", "membership": s.pk}])
    assert response.status_code == 201, response.json()
    assert [c["kind"] for c in response.json()["proposal"]["changes"]] == ["steward_elect", "steward_recall"]
    federal = _propose(s.user, [{"kind": "parameter", "name": "floor_hourly_rate", "value": 1300}], federation=True)
    assert federal.status_code == 201, federal.json()
    assert federal.json()["proposal"]["coop"] is None
