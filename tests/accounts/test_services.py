"""accounts/services.py: notices (stored, emailed to those who opted in, resolved, read), the
language a person uses, sign-up and profile writes with their events, "Download my data" as a
job, erasure's refusals, key usage bookkeeping and members' own keys."""

import zipfile
from datetime import timedelta
from io import BytesIO

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.utils import timezone

from accounts import services
from accounts.errors import AlreadyErased, ErasureBlocked, WrongPassword
from accounts.models import DataExport, MemberApiKey, Notice, User
from coop.core.errors import Conflict, DomainError, NotFound
from coop.eventlog.models import Event
from tests.factories import UserFactory, member, organisation
from tests.factories.federation import PASSWORD

pytestmark = pytest.mark.django_db


def _events(type_):
    return Event.objects.filter(type=type_).count()


def test_notify_stores_the_notice_and_emails_only_those_who_opted_in(django_capture_on_commit_callbacks):
    quiet, keen = UserFactory(), UserFactory()
    keen.profile.email_notices = True
    keen.profile.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(user=quiet, kind="info", text="Your payout was sent.", link="/wallet/")
        services.notify(user=keen, kind="info", text=lambda: "Built when sent.", link="/wallet/")
    assert Notice.objects.get(user=quiet).text == "Your payout was sent."
    assert [m.to for m in mail.outbox] == [[keen.email]]
    assert mail.outbox[0].body.endswith("/wallet/") and "Built when sent" in mail.outbox[0].subject


def test_notice_email_takes_the_first_sentence_and_an_absolute_link(settings):
    settings.SITE_URL, settings.FEDERATION_NAME = "https://atelier.example/", "Fed"
    subject, body = services.notice_email(text="Work approved. You earned $3.", link="/work/1/")
    assert subject == "Fed: Work approved" and body == "Work approved. You earned $3.\n\nhttps://atelier.example/work/1/"
    assert services.notice_email(text="Hi", link="")[1] == "Hi"


def test_notices_resolve_and_mark_read():
    user, other = UserFactory(), UserFactory()
    for person in (user, other):
        services.notify(user=person, kind="application", text="Someone applied.", subject="membership:9")
    services.notify(user=user, kind="info", text="Other news.")
    assert services.notices_resolve(subject="membership:9") == 2
    assert services.notices_resolve(subject="") == 0
    assert Notice.objects.filter(subject="membership:9", read_at__isnull=True).count() == 0
    assert services.notices_mark_read(user=user) == 1
    assert services.notices_mark_read(user=user) == 0


def test_user_language_set_keeps_known_languages_only():
    user = UserFactory()
    assert services.user_language_set(user=user, language="fr-CA")
    assert User.objects.get(pk=user.pk).language == "fr"
    assert not services.user_language_set(user=user, language="fr")  # no change
    assert not services.user_language_set(user=user, language="xx")
    assert not services.user_language_set(user=AnonymousUser(), language="en")
    assert User.objects.get(pk=user.pk).language == "fr"


def test_user_signup_and_profile_update_record_their_events():
    user = services.user_signup(email=" New@Example.org ", password="pass-word-123", display_name=" Ana ")
    assert user.email == "new@example.org" and user.profile.display_name == "Ana" and _events("user.signed_up") == 1
    with pytest.raises(DomainError) as caught:
        services.user_signup(email="new@example.org", password="x", display_name="Copy")
    assert caught.value.code == "email_taken"
    profile = services.profile_update(user=user, country="MG", languages=["fr"])
    assert (profile.country, profile.languages) == ("MG", ["fr"]) and _events("profile.updated") == 1
    with pytest.raises(DomainError) as caught:
        services.profile_update(user=user, email="sneaky@example.org")
    assert caught.value.code == "invalid_field" and User.objects.get(pk=user.pk).email == "new@example.org"


def test_data_export_is_requested_once_and_built_once(django_capture_on_commit_callbacks):
    user = member().user
    with django_capture_on_commit_callbacks(execute=True):  # the job runs inline in tests
        export = services.data_export_request(user=user)
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY and export.size == len(export.content)
    assert "profile.json" in " ".join(zipfile.ZipFile(BytesIO(bytes(export.content))).namelist())
    assert not services.data_export_build(export_id=export.pk)  # already built: a retried job does nothing
    assert _events("data_export.requested") == 1 and _events("data_export.ready") == 1


def test_a_waiting_export_is_returned_until_it_is_stale():
    user = UserFactory()
    now = timezone.now()
    first = services.data_export_request(user=user, now=now)
    assert services.data_export_request(user=user, now=now + timedelta(minutes=5)) == first
    assert services.data_export_request(user=user, now=now + timedelta(minutes=16)) != first


def test_member_erase_refusals_change_nothing():
    user = member().user
    with pytest.raises(WrongPassword):
        services.member_erase(user=user, password="wrong")
    staff = organisation().owner
    with pytest.raises(ErasureBlocked) as caught:
        services.member_erase(user=staff, password=PASSWORD)
    assert caught.value.extra == {"reasons": [{"code": "organisation_staff"}]}
    assert User.objects.get(pk=user.pk).is_active and _events("member.erased") == 0


def test_member_erase_tombstones_the_account_once():
    user = member().user
    erased = services.member_erase(user=user, password=PASSWORD)
    assert erased.email.endswith("@erased.invalid") and not erased.is_active and not erased.has_usable_password()
    assert _events("member.erased") == 1
    with pytest.raises(AlreadyErased):
        services.member_erase(user=erased, password=PASSWORD)


def test_api_key_mark_used_at_most_once_a_minute():
    key, _secret = services.member_key_create(user=UserFactory(), name="phone", scopes=["read"])
    now = timezone.now()
    assert services.api_key_mark_used(key=key, now=now)
    assert not services.api_key_mark_used(key=key, now=now + timedelta(seconds=30))
    assert services.api_key_mark_used(key=key, now=now + timedelta(seconds=61))
    assert MemberApiKey.objects.get(pk=key.pk).last_used_at == now + timedelta(seconds=61)


def test_member_keys_are_named_scoped_limited_and_revoked_by_their_member():
    user, stranger = UserFactory(), UserFactory()
    with pytest.raises(DomainError):
        services.member_key_create(user=user, name="  ", scopes=["read"])
    key, secret = services.member_key_create(user=user, name="phone", scopes=["work", "read"])
    assert key.scopes == ["read", "work"] and secret.startswith(f"atm_{key.prefix}_") and secret not in key.secret_hash
    with pytest.raises(NotFound):
        services.member_key_revoke(user=stranger, key_id=key.pk)
    assert services.member_key_revoke(user=user, key_id=key.pk).revoked_at is not None
    with pytest.raises(Conflict):
        services.member_key_revoke(user=user, key_id=key.pk)
    assert _events("member_key.created") == 1 and _events("member_key.revoked") == 1
