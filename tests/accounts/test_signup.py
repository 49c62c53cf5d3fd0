"""accounts/signup.py: a sign-up never tells whether an address has an account; a new or
unconfirmed address gets a confirmation link that works once, with the sign-up's password,
and an existing account's owner gets a warning instead."""

import re

import pytest
from django.core import mail

from accounts.models import User
from accounts.signup import signup_confirm, signup_request, signup_user_for_link
from coop.eventlog.models import Event
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _sign_up(django_capture_on_commit_callbacks, email="new@example.org", password="first-pass-123", **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        signup_request(email=email, password=password, display_name=" Ana ", country="MG", **kwargs)
    return mail.outbox[-1]


def _link_parts(message):
    uid, token = re.search(r"/signup/confirm/([^/]+)/([^/?\s]+)", message.body).groups()
    return uid, token


def test_a_new_address_gets_an_inactive_account_and_a_link(django_capture_on_commit_callbacks):
    message = _sign_up(django_capture_on_commit_callbacks, email=" New@Example.org ", next_url="/coops/")
    user = User.objects.get(email="new@example.org")
    assert not user.is_active and user.profile.display_name == "Ana"
    assert message.to == ["new@example.org"] and "?next=%2Fcoops%2F" in message.body
    assert Event.objects.filter(type="user.signed_up", subject_id=str(user.pk)).count() == 1


def test_the_link_opens_the_account_once_and_only_with_the_password(django_capture_on_commit_callbacks):
    uid, token = _link_parts(_sign_up(django_capture_on_commit_callbacks))
    assert signup_user_for_link(uid, token) is not None
    assert signup_confirm(uidb64=uid, token=token, password="wrong-pass") is None
    user = signup_confirm(uidb64=uid, token=token, password="first-pass-123")
    assert user.is_active and Event.objects.filter(type="user.confirmed").count() == 1
    assert signup_confirm(uidb64=uid, token=token, password="first-pass-123") is None  # used
    assert signup_user_for_link("not-base64!", token) is None


def test_signing_up_again_replaces_the_password_and_stales_the_old_link(django_capture_on_commit_callbacks):
    old_uid, old_token = _link_parts(_sign_up(django_capture_on_commit_callbacks))
    uid, token = _link_parts(_sign_up(django_capture_on_commit_callbacks, password="second-pass-456"))
    assert signup_user_for_link(old_uid, old_token) is None
    assert signup_confirm(uidb64=uid, token=token, password="first-pass-123") is None
    assert signup_confirm(uidb64=uid, token=token, password="second-pass-456").is_active
    assert User.objects.filter(email="new@example.org").count() == 1


def test_an_existing_account_gets_a_warning_and_nothing_changes(django_capture_on_commit_callbacks):
    owner = UserFactory(email="taken@example.org")
    password = owner.password
    message = _sign_up(django_capture_on_commit_callbacks, email="taken@example.org")
    assert message.subject == "Someone tried to sign up with your address" and "/signup/confirm/" not in message.body
    owner.refresh_from_db()
    assert owner.password == password and owner.is_active
    assert not Event.objects.filter(type="user.signed_up").exists()
