"""Requester API: status, body shape and one error per endpoint; API-key authentication."""

import logging

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import ApiKey, StaffInvitation
from accounts.requesters import services
from tests.factories import OrganisationStaffFactory, TermsVersionFactory, UserFactory, operator, organisation
from tests.factories.federation import PASSWORD

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"code", "message", "extra"}
KEY_FIELDS = {"id", "name", "prefix", "scopes", "created_by", "created_at", "last_used_at", "revoked_at", "active",
              "world"}


def _key(org, user=None, scopes=ApiKey.DEFAULT_SCOPES):
    return services.api_key_create(user=user or org.owner, organisation=org, name="script", scopes=scopes)


def _bearer(secret, scheme="Bearer"):
    return {"HTTP_AUTHORIZATION": f"{scheme} {secret}"}


# --- authentication ------------------------------------------------------------------------

@pytest.mark.parametrize("scheme", ["Bearer", "Token", "bearer"])
def test_api_key_authenticates_with_bearer_or_token(client, scheme):
    org = organisation()
    key, secret = _key(org)
    response = client.get("/api/requester/organisation/", **_bearer(secret, scheme))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == org.pk and body["terms_current"] is True and body["suspended"] is False
    assert set(body) == {"id", "name", "slug", "country", "contact_email", "website", "description", "created_at",
                         "suspended", "terms_current"}
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_revoked_key_stops_at_once(client):
    org = organisation()
    key, secret = _key(org)
    assert client.get("/api/requester/organisation/", **_bearer(secret)).status_code == 200
    services.api_key_revoke(user=org.owner, key=key)
    response = client.get("/api/requester/organisation/", **_bearer(secret))
    assert response.status_code == 403
    assert response.json()["code"] == "authentication_failed" and set(response.json()) == ERROR_KEYS


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer atl_xxxxxxxx_nothing", "Token not-a-key",
                                    "Bearer atl_short_x"])
def test_bad_authorization_headers_are_refused(client, header):
    response = client.get("/api/requester/organisation/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 403 and response.json()["code"] == "authentication_failed"


def test_suspended_organisation_key_refused_with_reason(client):
    org = organisation()
    key, secret = _key(org)
    services.organisation_suspend(operator=operator(), organisation=org, reason="Unpaid deposits, twice now.")
    response = client.get("/api/requester/organisation/", **_bearer(secret))
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "organisation_suspended" and "Unpaid deposits, twice now." in body["message"]
    client.force_login(org.owner)
    response = client.get("/api/requester/organisation/")
    assert response.status_code == 403 and response.json()["extra"] == {"reason": "Unpaid deposits, twice now."}
    services.organisation_unsuspend(operator=operator(), organisation=org)
    client.logout()
    assert client.get("/api/requester/organisation/", **_bearer(secret)).status_code == 200


def test_key_cannot_reach_another_organisation(client):
    org, other = organisation(), organisation()
    _k, secret = _key(org, scopes=["read", "admin"])
    other_key, _s = _key(other)
    response = client.get(f"/api/requester/keys/?organisation={other.pk}", **_bearer(secret))
    assert response.status_code == 404 and response.json()["code"] == "organisation_not_found"
    response = client.post(f"/api/requester/keys/{other_key.pk}/revoke/", **_bearer(secret),
                           HTTP_X_ATELIER_PASSWORD=PASSWORD)
    assert response.status_code == 404
    other_key.refresh_from_db()
    assert other_key.revoked_at is None


def test_secret_never_logged_during_api_calls(client, caplog):
    org = organisation()
    caplog.set_level(logging.DEBUG)
    client.force_login(org.owner)
    response = client.post("/api/requester/keys/", {"name": "ci", "scopes": ["read"]}, content_type="application/json")
    secret = response.json()["secret"]
    client.logout()
    client.get("/api/requester/organisation/", **_bearer(secret))
    services.api_key_revoke(user=org.owner, key=ApiKey.objects.get())
    client.get("/api/requester/organisation/", **_bearer(secret))
    assert caplog.records and secret not in caplog.text
    assert not ApiKey.objects.filter(secret_hash__contains=secret.split("_")[2]).exists()


def test_anonymous_is_403(client):
    response = client.get("/api/requester/organisation/")
    assert response.status_code == 403 and response.json()["code"] == "not_authenticated"


# --- organisations -------------------------------------------------------------------------

def test_organisation_register_and_list(client, django_assert_num_queries):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/api/requester/organisations/", {"name": "Ravina Labs", "country": "FR"},
                           content_type="application/json")
    assert response.status_code == 201 and response.json()["slug"] == "ravina-labs"
    assert response.json()["terms_current"] is False
    for _ in range(2):
        OrganisationStaffFactory(user=user)
    with django_assert_num_queries(3):  # session, user with profile (time zone), organisations with terms
        response = client.get("/api/requester/organisations/")
    assert "Ravina Labs" in [o["name"] for o in response.json()["results"]]
    assert len(response.json()["results"]) == 3
    response = client.post("/api/requester/organisations/", {"name": ""}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "invalid" and "name" in response.json()["extra"]


def test_organisation_update_owner_only(client):
    org = organisation()
    client.force_login(org.owner)
    response = client.patch("/api/requester/organisation/", {"website": "https://lab.example"},
                            content_type="application/json")
    assert response.status_code == 200 and response.json()["website"] == "https://lab.example"
    staff = OrganisationStaffFactory(organisation=org).user
    client.force_login(staff)
    response = client.patch("/api/requester/organisation/", {"name": "Mine"}, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "organisation_role_required"


def test_several_organisations_need_the_parameter(client):
    org = organisation()
    OrganisationStaffFactory(user=org.owner)
    client.force_login(org.owner)
    response = client.get("/api/requester/organisation/")
    assert response.status_code == 400 and response.json()["code"] == "organisation_required"
    assert client.get(f"/api/requester/organisation/?organisation={org.pk}").json()["id"] == org.pk


# --- terms -------------------------------------------------------------------------------

def test_terms_state_and_accept(client):
    org = organisation(terms=False)
    TermsVersionFactory(text="v1")
    client.force_login(org.owner)
    body = client.get("/api/requester/terms/").json()
    assert body == {"latest": {"number": 1, "text": "v1", "published_at": body["latest"]["published_at"]},
                    "accepted": None, "current": False}
    TermsVersionFactory(text="v2")
    response = client.post("/api/requester/terms/accept/", {"version": 1}, content_type="application/json")
    assert response.status_code == 409 and response.json() == {
        "code": "terms_outdated", "message": response.json()["message"], "extra": {"latest": 2}}
    response = client.post("/api/requester/terms/accept/", {"version": 2}, content_type="application/json")
    assert response.status_code == 200 and response.json()["current"] is True
    assert response.json()["accepted"]["version"] == 2


# --- staff and invitations -----------------------------------------------------------------

def test_staff_list_pins_queries(client, django_assert_num_queries):
    org = organisation()
    for _ in range(3):
        OrganisationStaffFactory(organisation=org)
    _k, secret = _key(org)
    with django_assert_num_queries(3):  # key+organisation+creator, last_used update, staff+users
        response = client.get("/api/requester/staff/", **_bearer(secret))
    rows = response.json()["results"]
    assert len(rows) == 4 and set(rows[0]) == {"id", "email", "role", "created_at"}


def test_invitations_api(client, django_assert_num_queries, django_capture_on_commit_callbacks):
    org = organisation()
    client.force_login(org.owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/requester/invitations/", {"email": "a@lab.example", "role": "owner"},
                               content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending" and body["role"] == "owner" and "token" not in body and "token_hash" not in body
    assert len(mail.outbox) == 1
    for n in range(2):
        services.invitation_create(user=org.owner, organisation=org, email=f"x{n}@lab.example")
    with django_assert_num_queries(5):  # session, user with profile, organisation, role check, invitations
        response = client.get("/api/requester/invitations/")
    assert len(response.json()["results"]) == 3
    response = client.post(f"/api/requester/invitations/{body['id']}/revoke/")
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    response = client.post(f"/api/requester/invitations/{body['id']}/revoke/")
    assert response.status_code == 409 and response.json()["code"] == "invitation_revoked"
    staff = OrganisationStaffFactory(organisation=org).user
    client.force_login(staff)
    response = client.post("/api/requester/invitations/", {"email": "b@lab.example"}, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "organisation_role_required"


def test_invitation_accept_api(client):
    org = organisation()
    invitation, token = services.invitation_create(user=org.owner, organisation=org, email="c@lab.example")
    person = UserFactory(email="c@lab.example")
    client.force_login(person)
    StaffInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    response = client.post("/api/requester/invitations/accept/", {"token": token}, content_type="application/json")
    assert response.status_code == 409 and response.json()["code"] == "invitation_expired"
    _inv, token = services.invitation_create(user=org.owner, organisation=org, email="c@lab.example")
    response = client.post("/api/requester/invitations/accept/", {"token": token}, content_type="application/json")
    assert response.status_code == 201 and response.json()["email"] == "c@lab.example"


# --- keys ----------------------------------------------------------------------------------

def test_api_keys_create_list_revoke(client, django_assert_num_queries):
    org = organisation()
    client.force_login(org.owner)
    response = client.post("/api/requester/keys/", {"name": "labeller", "scopes": ["review", "read"]},
                           content_type="application/json")
    assert response.status_code == 201
    created = response.json()
    assert set(created) == KEY_FIELDS | {"secret"} and created["secret"].startswith(f"atl_{created['prefix']}_")
    assert created["scopes"] == ["read", "review"]
    for _ in range(2):
        _key(org, OrganisationStaffFactory(organisation=org).user)
    with django_assert_num_queries(4):  # session, user with profile, organisation, keys with creators
        response = client.get("/api/requester/keys/")
    rows = response.json()["results"]
    assert len(rows) == 3 and all(set(r) == KEY_FIELDS for r in rows)
    assert [r["scopes"] for r in rows] == [["read", "projects", "review"]] * 2 + [["read", "review"]]
    response = client.post(f"/api/requester/keys/{created['id']}/revoke/")
    assert response.status_code == 200 and response.json()["active"] is False
    response = client.post("/api/requester/keys/", {"name": ""}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_schema_declares_the_api_key(client):
    client.force_login(UserFactory())
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert schema["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    assert {"apiKey": []} in schema["paths"]["/api/requester/keys/"]["get"]["security"]


def test_staff_role_change_and_remove_api(client):
    org = organisation()
    row = OrganisationStaffFactory(organisation=org)
    key, _s = _key(org, row.user)
    client.force_login(org.owner)
    response = client.patch(f"/api/requester/staff/{row.pk}/", {"role": "owner"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["role"] == "owner"
    assert set(response.json()) == {"id", "email", "role", "created_at"}
    response = client.patch(f"/api/requester/staff/{row.pk}/", {"role": "boss"}, content_type="application/json")
    assert response.status_code == 400 and "role" in response.json()["extra"]
    response = client.delete(f"/api/requester/staff/{row.pk}/")
    assert response.status_code == 204
    key.refresh_from_db()
    assert key.revoked_at is not None
    me = org.staff.get(user=org.owner)
    response = client.delete(f"/api/requester/staff/{me.pk}/")
    assert response.status_code == 409 and response.json()["code"] == "last_owner"
    other = organisation()
    response = client.delete(f"/api/requester/staff/{other.staff.get().pk}/")
    assert response.status_code == 404
