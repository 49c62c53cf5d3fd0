"""accounts/sessions.py and accounts/backends.py: a signed-in request reads its session and its
user with their profile in two hand-written statements (issue 18), and signs in and out exactly
as Django's database sessions and ModelBackend do: a session written under Django's backend
still signs in, an expired or unknown session, an inactive user and a changed password do not."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user
from django.contrib.sessions.models import Session
from django.test import RequestFactory
from django.utils import timezone

from accounts.backends import UserBackend
from accounts.models import MemberProfile
from accounts.sessions import SessionStore
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DJANGO_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _session(user, *, backend=DJANGO_BACKEND, expires_in=3600):
    """A session as Django's own login wrote it (before this engine), with `backend`."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = backend
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.set_expiry(expires_in)
    store.save()
    return store.session_key


def _request(session_key):
    request = RequestFactory().get("/")
    request.session = SessionStore(session_key)
    return request


def test_a_session_written_under_djangos_backend_still_signs_in_with_the_profile_in_two_queries(
        django_assert_num_queries):
    person = UserFactory()
    key = _session(person)
    request = _request(key)
    with django_assert_num_queries(2):  # the session, then the user joined to their profile
        user = get_user(request)
        assert user.pk == person.pk and user.is_authenticated
        assert user.profile.display_name == f"Person {person.pk}"
        assert user.profile.user is user
    assert request.session[BACKEND_SESSION_KEY] == "accounts.backends.UserBackend"
    assert not request.session.modified  # read as ours, not written back on every request


def test_a_session_of_ours_signs_in_and_a_user_without_profile_has_none(django_assert_num_queries):
    person = UserFactory()
    MemberProfile.objects.filter(user=person).delete()
    request = _request(_session(person, backend="accounts.backends.UserBackend"))
    with django_assert_num_queries(2):
        user = get_user(request)
        assert user.pk == person.pk
        assert getattr(user, "profile", None) is None  # known missing: no third query


def test_expired_unknown_inactive_and_changed_password_sessions_do_not_sign_in():
    person = UserFactory()
    expired = _session(person)
    Session.objects.filter(session_key=expired).update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    request = _request(expired)
    assert not get_user(request).is_authenticated
    assert request.session.session_key is None  # forgotten, as Django's store forgets it

    assert not get_user(_request("x" * 32)).is_authenticated

    changed = UserFactory()
    key = _session(changed)
    changed.set_password("another password entirely")
    changed.save()
    assert not get_user(_request(key)).is_authenticated  # the session hash no longer matches

    inactive = UserFactory()
    key = _session(inactive)
    inactive.is_active = False
    inactive.save()
    assert not get_user(_request(key)).is_authenticated
    assert UserBackend().get_user(inactive.pk) is None


def test_a_signed_in_member_api_request_costs_the_session_and_the_user_only(client, django_assert_num_queries):
    """The member API's "my work" through the whole middleware stack: session, user with profile,
    then the view's own statements; the time-zone and language middlewares read no profile."""
    person = UserFactory()
    MemberProfile.objects.filter(user=person).update(timezone="Europe/Paris")
    client.cookies["sessionid"] = _session(person)
    with django_assert_num_queries(3):  # session, user + profile, the assignments' page
        response = client.get("/api/work/assignments/")
    assert response.status_code == 200
    assert response.json()["results"] == []
