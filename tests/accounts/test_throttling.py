"""Throttling (issue 15, leak 12): log-in lockout (django-axes), API rates (DRF), wrong API
keys, the admin key's password, sign-up and password reset; sign-up tells nobody whether an
email has an account. Rates are off in the other tests (tests/conftest.py): each test here
switches on the shipped ones (`shipped_rates`) or its own."""

from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from accounts.requesters import services
from coop.core.clock import clock_set
from tests.factories import UserFactory, organisation
from tests.factories.federation import PASSWORD

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"code", "message", "extra"}


def _log_in(client, email, password, ip="10.0.0.1", **extra):
    return client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=ip, **extra)


# --- log-in lockout ------------------------------------------------------------------------

def test_sixth_log_in_after_five_wrong_passwords_is_locked_out(client):
    user = UserFactory(email="ravo@example.org")
    for attempt in range(1, 5):
        response = _log_in(client, user.email, f"wrong-{attempt}")
        assert response.status_code == 200 and "_auth_user_id" not in client.session, attempt
    response = _log_in(client, "Ravo@Example.org ", "wrong-5")  # the same account, however it is typed
    assert response.status_code == 429
    response = _log_in(client, user.email, "wrong-6")
    assert response.status_code == 429 and "locked for 15 minutes" in response.content.decode()
    assert response["Retry-After"] == "900"
    response = _log_in(client, user.email, PASSWORD)  # even the right password, until the cool-off ends
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    # another account from the same address, and this account from another address, are not locked
    other = UserFactory()
    assert _log_in(client, other.email, PASSWORD).status_code == 302
    client.logout()
    assert _log_in(client, user.email, PASSWORD, ip="10.0.0.2").status_code == 302
    client.logout()
    # the operator lifts it
    call_command("axes_reset", verbosity=0)
    assert _log_in(client, user.email, PASSWORD).status_code == 302


def test_lockout_page_is_translated(client):
    user = UserFactory()
    for attempt in range(5):
        _log_in(client, user.email, f"wrong-{attempt}")
    page = unescape(_log_in(client, user.email, "wrong", HTTP_ACCEPT_LANGUAGE="fr").content.decode())
    assert "Trop de tentatives" in page and "verrouillé pendant 15 minutes" in page


def test_a_right_password_resets_the_count(client):
    user = UserFactory()
    for _round in range(3):
        for attempt in range(4):
            assert _log_in(client, user.email, f"wrong-{attempt}").status_code == 200
        assert _log_in(client, user.email, PASSWORD).status_code == 302
        client.logout()


# --- the API ---------------------------------------------------------------------------------

def test_anonymous_api_calls_get_429_after_the_shipped_limit(client, shipped_rates):
    assert shipped_rates["anon"] == "60/m"
    for _ in range(60):
        assert client.get("/api/coops/").status_code == 200
    response = client.get("/api/coops/")
    assert response.status_code == 429 and set(response.json()) == ERROR_KEYS
    body = response.json()
    assert body["code"] == "throttled" and 0 < body["extra"]["retry_after"] <= 60
    assert response["Retry-After"] == str(body["extra"]["retry_after"])
    assert client.get("/api/coops/", REMOTE_ADDR="10.9.9.9").status_code == 200  # per address


def test_each_key_and_each_person_has_its_own_rate(client, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "api_key": "3/m", "user": "5/m"}
    org = organisation()
    _k1, first = services.api_key_create(user=org.owner, organisation=org, name="one", scopes=["read"])
    _k2, second = services.api_key_create(user=org.owner, organisation=org, name="two", scopes=["read"])
    for _ in range(3):
        assert client.get("/api/projects/", HTTP_AUTHORIZATION=f"Bearer {first}").status_code == 200
    response = client.get("/api/projects/", HTTP_AUTHORIZATION=f"Bearer {first}")
    assert response.status_code == 429 and response.json()["code"] == "throttled"
    assert client.get("/api/projects/", HTTP_AUTHORIZATION=f"Bearer {second}").status_code == 200
    client.force_login(org.owner)  # the key's maker, by session: the `user` rate, not the key's
    for _ in range(5):
        assert client.get("/api/projects/").status_code == 200
    assert client.get("/api/projects/").status_code == 429


def test_rates_are_counted_on_the_products_clock(client, settings):
    """The window is measured on `coop.core.clock` (the simulation's time inside `clock_set`):
    a minute later on that clock the count starts again, whatever the wall clock did."""
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "api_key": "2/m"}
    org = organisation()
    _k, secret = services.api_key_create(user=org.owner, organisation=org, name="one", scopes=["read"])
    at = datetime(2100, 1, 4, 9, 0, tzinfo=UTC)
    with clock_set(at):
        for _ in range(2):
            assert client.get("/api/projects/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
        refused = client.get("/api/projects/", HTTP_AUTHORIZATION=f"Bearer {secret}")
        assert refused.status_code == 429 and refused.json()["extra"]["retry_after"] == 60
    with clock_set(at + timedelta(seconds=30)):
        assert client.get("/api/projects/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 429
    with clock_set(at + timedelta(seconds=61)):
        assert client.get("/api/projects/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200


def test_wrong_api_keys_are_throttled_per_address(client, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "api_key_failure": "3/h"}
    org = organisation()
    _k, good = services.api_key_create(user=org.owner, organisation=org, name="good", scopes=["read"])
    for n in range(3):
        response = client.get("/api/projects/", HTTP_AUTHORIZATION=f"Bearer atl_abcdefgh_guess{n}")
        assert response.status_code == 403 and response.json()["code"] == "authentication_failed"
    response = client.get("/api/projects/", HTTP_AUTHORIZATION=f"Bearer {good}")  # refused before any lookup
    assert response.status_code == 429 and response.json()["code"] == "throttled"
    assert response.json()["extra"]["retry_after"] > 0
    assert client.get("/api/projects/", HTTP_AUTHORIZATION=f"Bearer {good}", REMOTE_ADDR="10.1.1.1").status_code == 200


def test_admin_key_password_guesses_count_toward_the_lockout(client):
    org = organisation()
    _k, secret = services.api_key_create(user=org.owner, organisation=org, name="admin", scopes=["admin"])

    def create(password):
        return client.post("/api/requester/keys/", {"name": "x", "scopes": ["read"]}, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_X_ATELIER_PASSWORD=password)

    for attempt in range(4):
        assert create(f"guess-{attempt}").json()["code"] == "wrong_password"
    response = create("guess-5")
    assert response.status_code == 429 and response.json()["code"] == "throttled"
    assert response.json()["extra"]["retry_after"] == 900
    response = create(PASSWORD)
    assert response.status_code == 429 and set(response.json()) == ERROR_KEYS
    assert _log_in(client, org.owner.email, PASSWORD, ip="127.0.0.1").status_code == 429  # the same lock
    assert org.api_keys.count() == 1


# --- sign-up ---------------------------------------------------------------------------------

SIGNUP = {"display_name": "Someone", "country": "mg", "password": "a-long-enough-secret"}


def test_sign_up_does_not_tell_whether_an_email_has_an_account(client, django_capture_on_commit_callbacks):
    taken = UserFactory(email="taken@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        new = client.post(reverse("accounts:signup"), {**SIGNUP, "email": "fresh@example.org"})
    with django_capture_on_commit_callbacks(execute=True):
        existing = client.post(reverse("accounts:signup"), {**SIGNUP, "email": "Taken@Example.org"})
    assert new.status_code == existing.status_code == 302
    assert new["Location"] == existing["Location"] == reverse("accounts:signup_sent")
    assert set(new.cookies) == set(existing.cookies) and "_auth_user_id" not in client.session
    page = client.get(new["Location"]).content.decode()
    assert "Check your email" in page and "already" not in page
    # behind the page: the new address has an account that cannot log in yet, the taken one is unchanged
    assert User.objects.get(email="fresh@example.org").is_active is False
    taken.refresh_from_db()
    assert taken.check_password(PASSWORD) and User.objects.count() == 2
    confirm, tried = mail.outbox
    assert confirm.to == ["fresh@example.org"] and "/signup/confirm/" in confirm.body
    assert tried.to == ["taken@example.org"] and tried.subject == "Someone tried to sign up with your address"
    assert reverse("login") in tried.body and reverse("password_reset") in tried.body
    assert "/signup/confirm/" not in tried.body


def _confirm_link(message):
    return next(word for word in message.body.split() if "/signup/confirm/" in word).split("testserver", 1)[1]


def test_confirming_opens_the_account_once_with_its_password(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup") + "?next=/requester/join/abc/",
                    {**SIGNUP, "email": "new@example.org", "next": "/requester/join/abc/"})
    link = _confirm_link(mail.outbox[0])
    assert _log_in(client, "new@example.org", SIGNUP["password"]).status_code == 200  # not before confirming
    page = client.get(link)
    assert page.status_code == 200 and b'name="password"' in page.content
    response = client.post(link, {"password": "not-what-i-chose"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    response = client.post(link, {"password": SIGNUP["password"]})
    assert response.status_code == 302 and response["Location"] == "/requester/join/abc/"
    assert User.objects.get(email="new@example.org").is_active and "_auth_user_id" in client.session
    client.logout()
    assert b'name="password"' not in client.get(link).content  # used
    response = client.post(link, {"password": SIGNUP["password"]})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_a_newer_sign_up_of_an_unconfirmed_address_voids_the_older_link(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup"), {**SIGNUP, "email": "race@example.org"})
        client.post(reverse("accounts:signup"), {**SIGNUP, "email": "race@example.org", "password": "another-long-one"})
    first, second = (_confirm_link(m) for m in mail.outbox)
    assert client.post(first, {"password": SIGNUP["password"]}).status_code == 200  # void
    assert client.post(second, {"password": SIGNUP["password"]}).status_code == 200  # not this password
    assert client.post(second, {"password": "another-long-one"}).status_code == 302
    assert User.objects.filter(email="race@example.org").count() == 1


def test_sign_up_and_password_reset_are_throttled(client, shipped_rates):
    assert shipped_rates["signup"] == shipped_rates["password_reset"] == "10/h"
    for n in range(10):
        assert client.post(reverse("accounts:signup"), {**SIGNUP, "email": f"n{n}@example.org"}).status_code == 302
    response = client.post(reverse("accounts:signup"), {**SIGNUP, "email": "eleventh@example.org"})
    assert response.status_code == 429 and "Too many requests" in response.content.decode()
    assert not User.objects.filter(email="eleventh@example.org").exists()
    assert client.get(reverse("accounts:signup")).status_code == 200  # reading the form is never counted
    for _ in range(10):
        assert client.post(reverse("password_reset"), {"email": "x@example.org"}).status_code == 302
    response = client.post(reverse("password_reset"), {"email": "x@example.org"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 429 and "Trop de requêtes" in unescape(response.content.decode())
