"""accounts/models.py: users by email (lower case, required), display names, notices shown in
the reader's language, invitation states, key scopes and export progress."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from accounts.models import ApiKey, DataExport, MemberApiKey, Notice, Organisation, StaffInvitation, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_create_user_normalises_the_email_and_requires_one():
    user = User.objects.create_user("Ana@Example.ORG", password="pass-word-123")
    assert user.email == "ana@example.org" and user.check_password("pass-word-123") and not user.is_staff
    with pytest.raises(ValueError):
        User.objects.create_user("", password="x")
    boss = User.objects.create_superuser("boss@example.org", password="x")
    assert boss.is_staff and boss.is_superuser


def test_display_name_falls_back_to_the_email():
    assert UserFactory(email="lova@example.org", profile__display_name="Lova R.").display_name == "Lova R."
    assert User(email="nobody@example.org").display_name == "nobody"


def test_a_notice_is_shown_in_the_readers_language():
    user = UserFactory()
    written = Notice.objects.create(user=user, kind="x", text="Plain text <b>as written</b>")
    assert written.shown == "Plain text <b>as written</b>"
    assert written.shown_html == "Plain text &lt;b&gt;as written&lt;/b&gt;"
    stored = Notice.objects.create(user=user, kind="x", text="Work approved.", message="Work approved")
    with translation.override("fr"):
        assert stored.shown == "Travail approuvé"
    assert str(stored) == "x: Work approved."


def test_invitation_status():
    now = timezone.now()
    invitation = StaffInvitation(email="a@x.org", expires_at=now + timedelta(days=1))
    assert invitation.status == "pending"
    invitation.expires_at = now - timedelta(seconds=1)
    assert invitation.status == "expired"
    invitation.revoked_at = now
    assert invitation.status == "revoked"
    invitation.accepted_at = now
    assert invitation.status == "accepted"


def test_scoped_keys():
    key = ApiKey(prefix="abcdefgh", name="script", scopes=["read", "admin"])
    assert str(key) == "abcdefgh… (script)" and key.has_scope("admin") and not key.has_scope("review")
    assert key.is_active
    with translation.override("fr"):
        assert MemberApiKey(scopes=["read", "work"]).scope_labels != ["read", "work"]
    assert MemberApiKey(scopes=None).scope_labels == [] and not MemberApiKey(scopes=None).has_scope("read")


def test_export_progress_and_organisation_suspension():
    assert DataExport(status=DataExport.Status.RUNNING, sections_done=3, sections_total=4).progress_pct == 75
    assert DataExport(status=DataExport.Status.PENDING).progress_pct == 0
    assert DataExport(status=DataExport.Status.READY).progress_pct == 100
    assert not Organisation().is_suspended and Organisation(suspended_at=timezone.now()).is_suspended
