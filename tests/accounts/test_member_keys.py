"""A member's own keys for the member API (issue 18): made and revoked on the member's page,
the secret shown once and stored only as its keyed hash, scoped (read, work), refused
everywhere but the member API, and held to the member's own rules there."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.keys import secret_digest
from accounts.models import MemberApiKey
from accounts.services import member_key_create, member_key_revoke
from coop.core.errors import Conflict, DomainError, NotFound
from coop.eventlog.models import Event
from tasks.models import Assignment
from tests.factories import CoopFactory, member, open_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def ravo():
    coop = CoopFactory()
    return member(coop).user


def _bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_the_page_shows_the_secret_once_and_keeps_only_its_hash(client, ravo):
    client.force_login(ravo)
    made = client.post("/account/keys/", {"name": "my claim script", "scopes": ["read", "work"]})
    assert made.status_code == 200
    secret = re.search(r'id="new-key-secret"[^>]*>(atm_[a-z0-9]+_[a-z0-9]+)<', made.content.decode()).group(1)
    key = MemberApiKey.objects.get(user=ravo)
    assert (key.name, key.scopes, key.secret_hash) == ("my claim script", ["read", "work"], secret_digest(secret))
    assert secret not in str(MemberApiKey.objects.filter(pk=key.pk).values().get())
    again = client.get("/account/keys/").content.decode()
    assert secret not in again and f"atm_{key.prefix}_" in again
    assert Event.objects.filter(type="member_key.created", actor=ravo).count() == 1
    bad = client.post("/account/keys/", {"name": "", "scopes": ["read"]})
    assert bad.status_code == 400 and MemberApiKey.objects.filter(user=ravo).count() == 1
    assert client.post("/account/keys/", {"name": "x", "scopes": ["admin"]}).status_code == 400
    assert client.post("/account/keys/", {"name": "x"}).status_code == 400  # no scope
    assert MemberApiKey.objects.filter(user=ravo).count() == 1


def test_a_work_key_reads_the_feed_claims_and_submits_as_its_member(client, ravo):
    project = open_project(ravo.memberships.first().coop, tasks=2)
    _key, secret = member_key_create(user=ravo, name="script", scopes=["read", "work"])
    feed = client.get("/api/work/", **_bearer(secret))
    assert feed.status_code == 200 and [p["id"] for p in feed.json()["projects"]] == [project.pk]
    claimed = client.post(f"/api/projects/{project.pk}/claim/", **_bearer(secret))
    assert claimed.status_code == 201, claimed.content
    assignment = Assignment.objects.get(pk=claimed.json()["id"])
    assert assignment.member_id == ravo.pk
    submitted = client.post(f"/api/work/assignments/{assignment.pk}/submit/", {"answers": {"label": "yes"}},
                            content_type="application/json", **_bearer(secret))
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert client.get("/api/ledger/wallet/", **_bearer(secret)).status_code == 200
    assert MemberApiKey.objects.get(user=ravo).last_used_at is not None


def test_a_read_key_reads_but_may_not_take_work(client, ravo):
    project = open_project(ravo.memberships.first().coop, tasks=2)
    _key, secret = member_key_create(user=ravo, name="watcher", scopes=["read"])
    assert client.get("/api/work/", **_bearer(secret)).status_code == 200
    refused = client.post(f"/api/projects/{project.pk}/claim/", **_bearer(secret))
    assert refused.status_code == 403 and refused.json()["code"] == "api_key_scope_missing"
    assert refused.json()["extra"] == {"required": "work", "scopes": ["read"]}
    assert not Assignment.objects.exists()


def _api_views():
    """(path with dummy parameters, view class) of every DRF view that takes member keys."""
    from rest_framework.views import APIView

    from accounts.auth import MemberKeyAuthentication

    found = []

    def walk(patterns, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                cls = getattr(p.callback, "cls", None)
                if cls is None or not issubclass(cls, APIView) or cls.__module__.startswith("drf_spectacular"):
                    continue  # not an API view, or the public schema and its docs
                auth = [a if isinstance(a, type) else type(a) for a in cls.authentication_classes]
                if MemberKeyAuthentication not in auth:
                    continue
                path = re.sub(r"<int:\w+>", "999999", prefix + str(p.pattern))
                path = re.sub(r"<(?:str|slug):\w+>", "x", path)
                found.append(("/" + path.lstrip("^").rstrip("$"), cls))

    walk(get_resolver().url_patterns, "")
    return found


def test_a_member_key_reaches_nothing_but_the_views_that_declare_a_member_scope(client, ravo):
    _key, secret = member_key_create(user=ravo, name="everything", scopes=["read", "work"])
    views = _api_views()
    assert len(views) > 30  # the walk found the API
    wrong, allowed = [], set()
    for path, cls in views:
        for method in ("get", "post", "patch", "delete"):
            if not hasattr(cls, method):
                continue
            response = getattr(client, method)(path, data={}, content_type="application/json", **_bearer(secret))
            assert response.status_code < 500, (method, path)
            declared = getattr(cls, "member_scope", None)
            if declared is None:
                if not (response.status_code == 403 and response.json().get("code") == "api_key_not_allowed"):
                    wrong.append(f"{method.upper()} {path}: {response.status_code}")
            else:
                allowed.add(cls.__name__)
    assert wrong == []
    assert {"WorkFeedApi", "ProjectClaimApi", "WorkSubmitApi", "WalletApi"} <= allowed


def test_pages_ignore_a_member_key(client, ravo):
    _key, secret = member_key_create(user=ravo, name="script", scopes=["read", "work"])
    page = client.get("/work/", **_bearer(secret))
    assert page.status_code == 302 and "/login" in page["Location"]


def test_a_revoked_unknown_or_deactivated_key_is_refused(client, ravo):
    key, secret = member_key_create(user=ravo, name="script", scopes=["read"])
    for bad in ("atm_abcdefgh_nothing", "atm_garbage", secret + "x"):
        assert client.get("/api/work/", **_bearer(bad)).status_code in (401, 403), bad
    client.force_login(ravo)
    assert client.post(f"/account/keys/{key.pk}/revoke/").status_code == 302
    client.logout()
    assert client.get("/api/work/", **_bearer(secret)).status_code in (401, 403)
    assert MemberApiKey.objects.get(pk=key.pk).revoked_at is not None
    assert Event.objects.filter(type="member_key.revoked", actor=ravo).count() == 1
    with pytest.raises(Conflict):
        member_key_revoke(user=ravo, key_id=key.pk)
    other_key, other_secret = member_key_create(user=ravo, name="second", scopes=["read"])
    ravo.is_active = False
    ravo.save(update_fields=["is_active"])
    assert client.get("/api/work/", **_bearer(other_secret)).status_code in (401, 403)


def test_only_the_keys_own_member_revokes_it(client, ravo):
    key, _secret = member_key_create(user=ravo, name="script", scopes=["read"])
    someone = member(ravo.memberships.first().coop).user
    with pytest.raises(NotFound):
        member_key_revoke(user=someone, key_id=key.pk)
    client.force_login(someone)
    assert client.post(f"/account/keys/{key.pk}/revoke/").status_code == 404
    assert MemberApiKey.objects.get(pk=key.pk).revoked_at is None


def test_at_most_ten_active_keys(ravo):
    for n in range(10):
        member_key_create(user=ravo, name=f"k{n}", scopes=["read"])
    with pytest.raises(DomainError) as refused:
        member_key_create(user=ravo, name="eleventh", scopes=["read"])
    assert refused.value.code == "too_many_keys"
    member_key_revoke(user=ravo, key_id=MemberApiKey.objects.filter(user=ravo).first().pk)
    member_key_create(user=ravo, name="eleventh", scopes=["read"])


def test_the_keys_page_is_in_french(client, ravo):
    client.force_login(ravo)
    body = client.get("/account/keys/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Mes clés pour l'API des membres" in body and "Créer la clé" in body
