"""API-key scopes (issue 15, leak 7): each scope opens exactly its endpoints; a leaked key
without `admin` cannot make keys or invite; `admin` requests need the owner's password;
revoking stops a key; the key list shows the scopes (page and API, French too)."""

from html import unescape

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.views import APIView

from accounts.auth import ApiKeyAuthentication
from accounts.models import ApiKey, OrganisationStaff, StaffInvitation
from accounts.requesters import services
from coop.federation.access import HasKeyScope
from tests.factories import OrganisationStaffFactory, organisation
from tests.factories.federation import PASSWORD

pytestmark = pytest.mark.django_db

SCOPE_ERRORS = {"api_key_scope_missing", "api_key_not_allowed", "not_authenticated"}  # the last: sessions only
X = 999_999  # no such object: a request the scope lets through reaches the view, which answers 404

# The reference, written from the issue and docs/security.md, not read from the views:
# (method, path) -> the one scope that opens it; None: no key may call it (a person's own).
ENDPOINTS = {
    ("GET", "/api/requester/organisations/"): "read",
    ("GET", "/api/requester/organisation/"): "read",
    ("GET", "/api/requester/terms/"): "read",
    ("GET", "/api/requester/staff/"): "read",
    ("GET", "/api/requester/keys/"): "read",
    ("GET", "/api/projects/"): "read",
    ("GET", f"/api/projects/{X}/"): "read",
    ("GET", f"/api/projects/{X}/assignments/"): "read",
    ("GET", f"/api/projects/{X}/qualifications/"): "read",
    ("GET", "/api/ledger/requester/balance/"): "read",
    ("GET", "/api/ledger/requester/statement/"): "read",
    ("GET", "/api/appeals/"): "read",
    ("GET", f"/api/appeals/{X}/"): "read",
    ("GET", f"/api/qualifications/{X}/"): "read",
    ("GET", "/api/eventlog/events/"): "read",
    ("GET", "/api/coops/"): "read",
    ("GET", "/api/requesters/nobody/scorecard/"): "read",
    ("POST", "/api/projects/"): "projects",
    ("POST", f"/api/projects/{X}/tasks/"): "projects",
    ("POST", f"/api/projects/{X}/publish/"): "projects",
    ("POST", f"/api/projects/{X}/pause/"): "projects",
    ("POST", f"/api/projects/{X}/resume/"): "projects",
    ("POST", f"/api/projects/{X}/cancel/"): "projects",
    ("PUT", f"/api/projects/{X}/qualifications/"): "projects",
    ("POST", "/api/qualifications/"): "projects",
    ("POST", f"/api/qualifications/{X}/versions/"): "projects",
    ("POST", "/api/qualifications/tests/"): "projects",
    ("POST", f"/api/qualifications/tests/{X}/fund/"): "projects",
    ("POST", f"/api/assignments/{X}/approve/"): "review",
    ("POST", f"/api/assignments/{X}/reject/"): "review",
    ("POST", f"/api/assignments/{X}/revision/"): "review",
    ("POST", f"/api/assignments/{X}/bonus/"): "review",
    ("POST", f"/api/projects/{X}/assignments/approve/"): "review",
    ("POST", f"/api/appeals/{X}/answer/"): "review",
    ("PATCH", "/api/requester/organisation/"): "admin",
    ("POST", "/api/requester/terms/accept/"): "admin",
    ("PATCH", f"/api/requester/staff/{X}/"): "admin",
    ("DELETE", f"/api/requester/staff/{X}/"): "admin",
    ("GET", "/api/requester/invitations/"): "admin",
    ("POST", "/api/requester/invitations/"): "admin",
    ("POST", f"/api/requester/invitations/{X}/revoke/"): "admin",
    ("POST", "/api/requester/keys/"): "admin",
    ("POST", f"/api/requester/keys/{X}/revoke/"): "admin",
    ("POST", "/api/requester/organisations/"): None,
    ("POST", "/api/requester/invitations/accept/"): None,
    ("GET", "/api/me/membership/"): None,
    ("GET", "/api/ledger/wallet/"): None,
    ("GET", "/api/ledger/payouts/"): None,
    ("POST", "/api/ledger/deposits/"): None,
    ("POST", f"/api/projects/{X}/claim/"): None,
    ("POST", "/api/appeals/"): None,
    ("GET", "/api/qualifications/mine/"): None,
    ("GET", "/api/forums/rooms/"): None,
    ("GET", "/api/governance/proposals/"): None,
    ("POST", f"/api/governance/proposals/{X}/ballot/"): None,
    ("GET", "/api/me/data-exports/"): None,
}


def _key(org, scopes, user=None):
    return services.api_key_create(user=user or org.owner, organisation=org, name="script", scopes=scopes)


def _call(client, method, path, secret, **extra):
    return getattr(client, method.lower())(path, data={}, content_type="application/json",
                                           HTTP_AUTHORIZATION=f"Bearer {secret}", **extra)


def _code(response):
    try:
        return response.json().get("code")
    except ValueError:
        return None


@pytest.mark.parametrize("scope", [value for value, _label in ApiKey.Scope.choices])
def test_each_scope_allows_exactly_its_endpoints(client, scope):
    org = organisation()
    _k, secret = _key(org, [scope])
    wrong = []
    for (method, path), needed in ENDPOINTS.items():
        response = _call(client, method, path, secret, HTTP_X_ATELIER_PASSWORD=PASSWORD)
        assert response.status_code < 500, (method, path, response.status_code)
        refused = response.status_code == 403 and _code(response) in SCOPE_ERRORS
        if refused == (needed == scope):
            wrong.append((method, path, needed, response.status_code, _code(response)))
    assert wrong == []


def test_a_refusal_names_the_scope_needed(client):
    org = organisation()
    _k, secret = _key(org, ["read"])
    response = _call(client, "POST", "/api/projects/", secret)
    assert response.status_code == 403
    assert response.json() == {"code": "api_key_scope_missing",
                               "message": "This API key does not have the scope this endpoint needs.",
                               "extra": {"required": "projects", "scopes": ["read"]}}
    response = _call(client, "GET", "/api/ledger/wallet/", secret)
    assert response.status_code == 403 and _code(response) == "api_key_not_allowed"


def _api_views():
    def walk(resolver, prefix=""):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern), entry
    for route, pattern in walk(get_resolver()):
        view = getattr(pattern.callback, "cls", None)
        if route.startswith("api/") and view is not None and issubclass(view, APIView):
            yield route, view


def test_every_api_view_declares_its_scope_and_checks_it():
    """A new API view without `required_scope`, or with permission classes that leave out
    HasKeyScope, fails here. The schema and its docs are the same for everyone."""
    missing = []
    for route, view in _api_views():
        if route in ("api/schema/", "api/docs/"):
            continue
        if ApiKeyAuthentication not in [type(a) if not isinstance(a, type) else a for a in view.authentication_classes]:
            continue  # sessions only (a member's data rights)
        if HasKeyScope not in view.permission_classes or not hasattr(view, "required_scope"):
            missing.append(route)
    assert missing == []
    assert len(list(_api_views())) > 50


def test_leaked_non_admin_key_cannot_create_keys_or_invite(client):
    org = organisation()
    for scopes in (["read"], ["read", "projects", "review"]):
        _k, secret = _key(org, scopes)
        response = _call(client, "POST", "/api/requester/keys/", secret, HTTP_X_ATELIER_PASSWORD=PASSWORD)
        assert response.status_code == 403 and set(response.json()) == {"code", "message", "extra"}
        assert response.json()["code"] == "api_key_scope_missing" and response.json()["extra"]["required"] == "admin"
        response = client.post("/api/requester/invitations/", {"email": "new-owner@evil.example", "role": "owner"},
                               content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}",
                               HTTP_X_ATELIER_PASSWORD=PASSWORD)
        assert response.status_code == 403 and response.json()["code"] == "api_key_scope_missing"
    assert ApiKey.objects.count() == 2 and not StaffInvitation.objects.exists()


def test_admin_key_needs_the_owners_password(client):
    org = organisation()
    admin_key, secret = _key(org, ["admin"])
    body = {"name": "ci", "scopes": ["read"]}
    response = client.post("/api/requester/keys/", body, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 403 and response.json()["code"] == "password_confirmation_required"
    assert response.json()["extra"] == {"header": "X-Atelier-Password"}
    response = client.post("/api/requester/keys/", body, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_X_ATELIER_PASSWORD="guess")
    assert response.status_code == 403 and response.json()["code"] == "wrong_password"
    assert ApiKey.objects.count() == 1
    response = client.post("/api/requester/keys/", body, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_X_ATELIER_PASSWORD=PASSWORD)
    assert response.status_code == 201 and response.json()["scopes"] == ["read"]
    response = client.post("/api/requester/invitations/", {"email": "colleague@lab.example"},
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}",
                           HTTP_X_ATELIER_PASSWORD=PASSWORD)
    assert response.status_code == 201
    # demoted to staff, the owner's admin key loses its power at once
    OrganisationStaffFactory(organisation=org, role=OrganisationStaff.Role.OWNER)
    OrganisationStaff.objects.filter(organisation=org, user=org.owner).update(role=OrganisationStaff.Role.STAFF)
    response = client.post("/api/requester/keys/", body, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_X_ATELIER_PASSWORD=PASSWORD)
    assert response.status_code == 403 and response.json()["code"] == "organisation_role_required"
    assert admin_key.pk


def test_only_owners_give_the_admin_scope(client):
    org = organisation()
    staff = OrganisationStaffFactory(organisation=org).user
    with pytest.raises(Exception) as refused:
        _key(org, ["read", "admin"], user=staff)
    assert refused.value.code == "organisation_role_required"
    client.force_login(staff)
    response = client.post("/api/requester/keys/", {"name": "mine", "scopes": ["admin"]},
                           content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "organisation_role_required"
    response = client.post("/api/requester/keys/", {"name": "mine", "scopes": ["read", "nuclear"]},
                           content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    response = client.post("/api/requester/keys/", {"name": "mine", "scopes": []}, content_type="application/json")
    assert response.status_code == 400
    assert not ApiKey.objects.exists()


def test_revoking_a_leaked_key_stops_it(client):
    org = organisation()
    leaked, leaked_secret = _key(org, ["read", "projects"])
    _a, admin_secret = _key(org, ["admin"])
    assert _call(client, "GET", "/api/projects/", leaked_secret).status_code == 200
    response = _call(client, "POST", f"/api/requester/keys/{leaked.pk}/revoke/", admin_secret,
                     HTTP_X_ATELIER_PASSWORD=PASSWORD)
    assert response.status_code == 200 and response.json()["active"] is False
    response = _call(client, "GET", "/api/projects/", leaked_secret)
    assert response.status_code == 403 and _code(response) == "authentication_failed"
    # the owner, logged in, revokes the admin key too
    client.force_login(org.owner)
    admin = ApiKey.objects.get(scopes=["admin"])
    assert client.post(reverse("accounts:api_key_revoke", args=[admin.pk])).status_code == 302
    client.logout()
    response = _call(client, "GET", "/api/requester/keys/", admin_secret, HTTP_X_ATELIER_PASSWORD=PASSWORD)
    assert response.status_code == 403 and _code(response) == "authentication_failed"


def test_sessions_are_not_held_to_scopes(client):
    org = organisation()
    client.force_login(org.owner)
    response = client.post("/api/requester/invitations/", {"email": "x@lab.example"}, content_type="application/json")
    assert response.status_code == 201
    response = client.post("/api/requester/keys/", {"name": "ci", "scopes": ["admin"]}, content_type="application/json")
    assert response.status_code == 201 and response.json()["scopes"] == ["admin"]


def test_key_list_shows_scopes_on_the_page_and_in_the_api(client):
    org = organisation()
    _key(org, ["read"])
    _key(org, ["review", "projects", "read"])
    client.force_login(org.owner)
    rows = client.get("/api/requester/keys/").json()["results"]
    assert [row["scopes"] for row in rows] == [["read", "projects", "review"], ["read"]]
    english = unescape(client.get(reverse("accounts:requester_home")).content.decode())
    assert "Scopes:" in english and english.count('<span class="badge">read</span>') == 2
    assert '<span class="badge">review</span>' in english and 'name="scopes" value="admin"' in english
    french = unescape(client.get(reverse("accounts:requester_home"), HTTP_ACCEPT_LANGUAGE="fr").content.decode())
    assert "Portées :" in french and french.count('<span class="badge">lecture</span>') == 2
    assert '<span class="badge">relecture</span>' in french and "Ce que la clé peut faire" in french
    assert "gérer les clés, le personnel, les invitations" in french
