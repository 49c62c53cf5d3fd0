"""The federation API: my membership, the coops, a coop's rulebook in force."""

from datetime import timedelta

import pytest
from django.utils import timezone

from coop.federation import services
from coop.federation.models import Membership
from coop.federation.rulebook import PARAMETERS
from tests.factories import CoopFactory, MembershipFactory, UserFactory, member, steward

pytestmark = pytest.mark.django_db


def test_membership_me_returns_my_membership(client):
    mine = member()
    client.force_login(mine.user)
    response = client.get("/api/me/membership/")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == mine.pk and body["status"] == "active" and body["role"] == "member"
    assert body["coop"] == {"slug": mine.coop.slug, "name": mine.coop.name, "country": mine.coop.country}
    assert body["status_article"] is None


def test_membership_me_shows_the_suspension_article_and_reason(client):
    coop = CoopFactory()
    boss, target = steward(coop), member(coop)
    services.membership_suspend(steward=boss.user, membership=target, article_number=3,
                                reason="Copied answers in two batches.")
    client.force_login(target.user)
    body = client.get("/api/me/membership/").json()
    assert body["status"] == "suspended" and body["status_reason"] == "Copied answers in two batches."
    assert body["status_article"]["number"] == 3 and body["status_article"]["title"] == "Honest work"
    assert body["status_changed_at"]


def test_membership_me_without_membership_is_404_in_the_error_shape(client):
    client.force_login(UserFactory())
    response = client.get("/api/me/membership/")
    assert response.status_code == 404
    assert response.json() == {"code": "no_membership", "message": "You have no membership.", "extra": {}}


def test_membership_me_anonymous_is_403_in_the_error_shape(client):
    response = client.get("/api/me/membership/")
    assert response.status_code == 403
    assert response.json()["code"] == "not_authenticated" and set(response.json()) == {"code", "message", "extra"}


def test_coops_list_is_public_and_pins_its_queries(client, django_assert_num_queries):
    coops = [CoopFactory(slug=f"c{i}") for i in range(3)]
    with django_assert_num_queries(1):
        response = client.get("/api/coops/")
    assert response.status_code == 200
    body = response.json()
    assert [c["slug"] for c in body["results"]] == [c.slug for c in coops]
    assert body["results"][0]["rulebook_url"] == "/api/coops/c0/rulebook/"
    assert set(body) == {"next", "previous", "results"}


def test_coop_rulebook_has_every_parameter_with_value_and_bound(client):
    coop = CoopFactory(params={"floor_hourly_rate": 1500})
    response = client.get(f"/api/coops/{coop.slug}/rulebook/")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 1 and body["effective_at"] and body["coop"]["slug"] == coop.slug
    params = {p["name"]: p for p in body["parameters"]}
    assert list(params) == [p.name for p in PARAMETERS]
    floor = params["floor_hourly_rate"]
    assert floor["value"] == 1500 and floor["bound_kind"] == "min" and floor["bound_value"] == 1200
    assert floor["bound"] == "at least $12.00" and floor["shown"] == "$15.00"
    fee = params["platform_fee_bps"]
    assert fee["shown"] == "5\u00a0%" and fee["bound"] == "at most 10\u00a0%"
    assert params["fair_share_window_minutes"]["bound_value"] == [0, 1440]
    assert params["allocation_policy"]["bound_kind"] == "free" and params["allocation_policy"]["bound_value"] is None
    assert [a["number"] for a in body["articles"]] == [1, 2, 3, 4, 5, 6]
    assert body["articles"][1]["title"] == "Conduct"


def test_coop_rulebook_at_a_moment_gives_the_version_then(client):
    coop = CoopFactory()
    steward(coop)
    params = dict(coop.rulebooks.get().parameters, floor_hourly_rate=1800)
    services.rulebook_version_create(coop=coop, parameters=params, articles=[(1, "Only", "One article.")],
                                     effective_at=timezone.now() + timedelta(days=1))
    now = client.get(f"/api/coops/{coop.slug}/rulebook/").json()
    later = client.get(f"/api/coops/{coop.slug}/rulebook/",
                       {"at": (timezone.now() + timedelta(days=2)).isoformat()}).json()
    assert now["version"] == 1 and later["version"] == 2
    assert {p["name"]: p["value"] for p in later["parameters"]}["floor_hourly_rate"] == 1800


def test_coop_rulebook_with_a_bad_moment_is_400(client):
    coop = CoopFactory()
    response = client.get(f"/api/coops/{coop.slug}/rulebook/", {"at": "yesterday"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "at" in body["extra"]


def test_coop_rulebook_of_an_unknown_coop_is_404(client):
    response = client.get("/api/coops/nowhere/rulebook/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_api_schema_builds_and_documents_the_endpoints(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/me/membership/", "/api/coops/", "/api/coops/{slug}/rulebook/"} <= set(paths)
    params = paths["/api/coops/{slug}/rulebook/"]["get"]["parameters"]
    assert {"slug", "at"} <= {p["name"] for p in params}


def test_membership_me_for_an_applicant(client):
    application = MembershipFactory(status=Membership.Status.APPLICANT, joined_at=None)
    client.force_login(application.user)
    body = client.get("/api/me/membership/").json()
    assert body["status"] == "applicant" and body["joined_at"] is None
