"""Sign-up, password reset, profile and notices, as a person uses them."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import MemberProfile, Notice, User
from accounts.services import notify
from coop.eventlog.models import Event
from tests.factories import UserFactory, member
from tests.factories.federation import PASSWORD

pytestmark = pytest.mark.django_db


def test_signup_then_confirming_logs_in_and_sends_to_apply(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:signup"), {
            "email": "New.Person@Example.org", "display_name": "New Person", "country": "mg",
            "password": "a-long-enough-secret",
        })
    assert response.status_code == 302 and response["Location"] == reverse("accounts:signup_sent")
    user = User.objects.get(email="new.person@example.org")
    assert user.profile.country == "MG" and not user.is_active
    assert Event.objects.filter(type="user.signed_up", subject_id=str(user.pk)).exists()
    link = next(w for w in mail.outbox[0].body.split() if "/signup/confirm/" in w).split("testserver", 1)[1]
    response = client.post(link, {"password": "a-long-enough-secret"})
    assert response.status_code == 302 and response["Location"] == reverse("federation:apply")
    assert Event.objects.filter(type="user.confirmed", subject_id=str(user.pk)).exists()
    assert client.get(reverse("federation:dashboard")).status_code == 200


@pytest.mark.parametrize("data", [
    {"display_name": "No Email", "password": "a-long-enough-secret"},  # missing field
    {"email": "not-an-email", "display_name": "X", "password": "a-long-enough-secret"},  # wrong type
    {"email": "short@example.org", "display_name": "X", "password": "123"},  # weak password
])
def test_signup_bad_input_creates_nobody(client, data):
    response = client.post(reverse("accounts:signup"), data)
    assert response.status_code == 200 and response.context["form"].errors
    assert User.objects.count() == 0


def test_signup_with_a_taken_email(client):
    UserFactory(email="taken@example.org")
    response = client.post(reverse("accounts:signup"), {"email": "taken@example.org", "display_name": "X",
                                                        "password": "a-long-enough-secret"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:signup_sent")
    assert User.objects.count() == 1  # the page says nothing of it; the owner gets an email (test_throttling)


def test_login_by_email(client):
    user = UserFactory()
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home")  # then the role's home


def test_password_reset_sends_a_link_that_resets_the_password(client):
    user = UserFactory(email="forgetful@example.org")
    page = client.get(reverse("password_reset"))
    assert page.status_code == 200 and "Reset your password" in page.content.decode()
    response = client.post(reverse("password_reset"), {"email": "forgetful@example.org"})
    assert response.status_code == 302
    assert "Check your email" in client.get(response["Location"]).content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["forgetful@example.org"] and message.subject == "Your new Atelier password"
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", message.body).group(1)
    confirm = client.get(link, follow=True)
    assert "Choose a new password" in confirm.content.decode() and confirm.context["validlink"]
    done = client.post(confirm.redirect_chain[-1][0], {"new_password1": "brand-new-secret-42",
                                                       "new_password2": "brand-new-secret-42"}, follow=True)
    assert "Your new password is saved" in done.content.decode()
    user.refresh_from_db()
    assert user.check_password("brand-new-secret-42")
    # the link works once
    again = client.get(link, follow=True)
    assert not again.context["validlink"]


def test_password_reset_for_an_unknown_email_sends_nothing_and_says_the_same(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_password_reset_with_mismatched_passwords_keeps_the_old_one(client):
    user = UserFactory(email="forgetful@example.org")
    client.post(reverse("password_reset"), {"email": user.email})
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    confirm = client.get(link, follow=True)
    response = client.post(confirm.redirect_chain[-1][0], {"new_password1": "brand-new-secret-42",
                                                           "new_password2": "different-secret-43"})
    assert response.status_code == 200 and response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_profile_saves_languages_timezone_and_email_notices(client):
    user = UserFactory()
    client.force_login(user)
    page = client.get(reverse("accounts:profile"))
    assert page.status_code == 200 and 'value="fr, en"' in page.content.decode()
    response = client.post(reverse("accounts:profile"), {
        "display_name": "Fara", "country": "mg", "timezone": "Indian/Antananarivo",
        "languages": "MG, fr, fr, en", "email_notices": "on",
    })
    assert response.status_code == 302
    profile = MemberProfile.objects.get(user=user)
    assert (profile.display_name, profile.country, profile.timezone) == ("Fara", "MG", "Indian/Antananarivo")
    assert profile.languages == ["mg", "fr", "en"] and profile.email_notices
    assert Event.objects.filter(type="profile.updated").count() == 1


@pytest.mark.parametrize("field, value", [
    ("timezone", "Mars/Olympus"), ("languages", "french!, en"), ("country", "MDG"), ("display_name", ""),
])
def test_profile_bad_input_changes_nothing(client, field, value):
    user = UserFactory()
    client.force_login(user)
    data = {"display_name": "Fara", "country": "MG", "timezone": "UTC", "languages": "fr", field: value}
    response = client.post(reverse("accounts:profile"), data)
    assert response.status_code == 200 and field in response.context["form"].errors
    profile = MemberProfile.objects.get(user=user)
    assert profile.display_name == f"Person {user.pk}" and profile.timezone == "UTC"
    assert not Event.objects.filter(type="profile.updated").exists()


def test_profile_timezone_is_used_to_show_times(client):
    mine = member()
    MemberProfile.objects.filter(user=mine.user).update(timezone="Indian/Antananarivo")  # UTC+3
    notice = notify(user=mine.user, kind="test", text="Hello")
    Notice.objects.filter(pk=notice.pk).update(created_at=dt.datetime(2026, 1, 5, 22, 30,
                                                                            tzinfo=dt.UTC))
    client.force_login(mine.user)
    page = client.get(reverse("federation:dashboard")).content.decode()
    assert "Jan. 6, 2026, 1:30 a.m." in page


def test_email_notices_are_sent_only_to_those_who_opted_in(django_capture_on_commit_callbacks):
    keen, quiet = UserFactory(), UserFactory()
    MemberProfile.objects.filter(user=keen).update(email_notices=True)
    keen.refresh_from_db()
    quiet.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=keen, kind="membership", text="You are in.", link="/dashboard/")
        notify(user=quiet, kind="membership", text="You are in.", link="/dashboard/")
    assert [m.to for m in mail.outbox] == [[keen.email]]
    assert "You are in." in mail.outbox[0].body
    assert Notice.objects.filter(kind="membership").count() == 2


def test_notices_mark_read(client):
    user = UserFactory()
    notify(user=user, kind="test", text="One")
    client.force_login(user)
    client.post(reverse("accounts:notices_read"))
    assert not Notice.objects.filter(user=user, read_at__isnull=True).exists()


def test_a_notice_reads_in_the_recipients_language_not_in_the_actors(client):
    """An English-speaking steward reinstates a suspended French-speaking member: the notice
    is in French; a member whose language is unknown gets the actor's."""
    from django.utils import translation

    from coop.federation import services as federation
    from coop.federation.models import Membership
    from tests.factories import steward as steward_of

    francophone = member()
    User.objects.filter(pk=francophone.user.pk).update(language="fr")
    francophone.user.refresh_from_db()
    unknown = member(coop=francophone.coop)
    Membership.objects.filter(pk__in=[francophone.pk, unknown.pk]).update(status=Membership.Status.SUSPENDED)
    chief = steward_of(coop=francophone.coop).user
    with translation.override("en"):
        federation.membership_reinstate(steward=chief, membership=francophone, reason="Settled with the coop")
        federation.membership_reinstate(steward=chief, membership=unknown, reason="Settled with the coop")
    assert Notice.objects.get(user=francophone.user).text == (
        "Votre adhésion est de nouveau active. Motif : Settled with the coop")
    assert Notice.objects.get(user=unknown.user).text == (
        "Your membership is active again. Reason: Settled with the coop")


def test_logging_in_and_the_language_switch_remember_the_language(client):
    user = UserFactory()
    client.cookies["django_language"] = "fr"
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "fr"
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})  # not one of ours: ignored
    user.refresh_from_db()
    assert user.language == "en"
