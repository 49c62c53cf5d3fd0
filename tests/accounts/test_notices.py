"""Notices read in the reader's language, whoever caused them (issue 16, point 3)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext_lazy

from accounts.notices import money
from accounts.services import notify
from coop.federation.labels import reason_text
from coop.federation.rulebook import REJECTION_REASONS
from tasks.appeals.models import Appeal
from tests.factories import member

pytestmark = pytest.mark.django_db


def test_a_notice_written_in_english_reads_in_french_with_its_labels_money_and_dates():
    mine = member()
    with translation.override("en"):
        notice = notify(user=mine.user, kind="assignment_rejected",
                        message="Your work on “%(p)s” was rejected (%(r)s). You can read why and appeal until %(d)s.",
                        params={"p": "Receipts", "r": reason_text(REJECTION_REASONS, "incomplete"),
                                "d": datetime.datetime(2026, 12, 11, 9, 30, tzinfo=datetime.UTC)})
    assert notice.text.startswith("Your work on “Receipts” was rejected (The answer is incomplete.)")
    assert notice.params == {"p": "Receipts", "r": {"msgid": "The answer is incomplete."}, "d": {"date": "2026-12-11"}}
    with translation.override("fr"):
        shown = notice.shown
    assert "La réponse est incomplète." in shown and "11 décembre 2026" in shown and "Receipts" in shown
    assert "rejected" not in shown and "was" not in shown


def test_a_status_label_and_an_amount_are_rendered_for_the_reader():
    mine = member()
    notice = notify(user=mine.user, kind="appeal", message="A jury decided an appeal on your project: %(d)s.",
                    params={"d": Appeal.Status.OVERTURNED.label})
    bonus = notify(user=mine.user, kind="bonus", message="You received a bonus for your work on “%(p)s”: %(r)s",
                   params={"p": "Receipts", "r": money(1250)})
    with translation.override("fr"):
        assert str(Appeal.Status.OVERTURNED.label) in notice.shown
        assert "12,50\u00a0$" in bonus.shown
    assert "$12.50" in bonus.shown


def test_the_dashboard_marks_what_people_wrote_as_not_to_translate(client):
    mine = member()
    notify(user=mine.user, kind="membership", message="Welcome! You are now a member of %(coop)s.",
           params={"coop": "<Coop & co>"})
    client.force_login(mine.user)
    page = client.get(reverse("federation:dashboard"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<span translate="no">&lt;Coop &amp; co&gt;</span>' in page
    assert "Welcome!" not in page


def test_a_notice_that_is_only_text_is_shown_as_written():
    mine = member()
    notice = notify(user=mine.user, kind="x", text="Plain <b>text</b>")
    assert notice.shown == "Plain <b>text</b>" and notice.shown_html == "Plain &lt;b&gt;text&lt;/b&gt;"


def test_a_notice_email_says_what_happened_and_links_to_the_site(settings, mailoutbox,
                                                                  django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://atelier.example/"
    mine = member()
    mine.user.profile.email_notices = True
    mine.user.profile.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=mine.user, kind="bonus", message="You received a bonus for your work on “%(p)s”: %(r)s",
               params={"p": "Receipts", "r": "Thanks"}, link="/work/mine/")
    [mail] = mailoutbox
    assert mail.subject == f"{settings.FEDERATION_NAME}: You received a bonus for your work on “Receipts”"
    assert "bonus" != mail.subject and mail.body.endswith("\n\nhttps://atelier.example/work/mine/")


def test_a_notice_that_counts_uses_the_plural_of_the_readers_language():
    mine = member()
    message = ngettext_lazy("“%(p)s” was flagged %(n)s time by members and is paused for your review.",
                            "“%(p)s” was flagged %(n)s times by members and is paused for your review.", "n")
    once = notify(user=mine.user, kind="flags", params={"p": "Receipts", "n": 1}, message=message)
    twice = notify(user=mine.user, kind="flags", params={"p": "Receipts", "n": 2}, message=message)
    assert "flagged 1 time by" in once.shown and "flagged 2 times by" in twice.shown
    with translation.override("fr"):
        assert "1 fois" in once.shown and "2 fois" in twice.shown and "flagged" not in once.shown


def test_the_email_opt_in_is_read_whether_or_not_the_profile_was_loaded(mailoutbox,
                                                                         django_capture_on_commit_callbacks):
    """`notify` reads the opt-in from the profile already loaded, or asks the database (issue 21:
    it no longer loads a missing profile and catches DoesNotExist); a user without a profile
    gets the notice and no email."""
    from accounts.models import MemberProfile, User

    opted = member()
    MemberProfile.objects.filter(user=opted.user).update(email_notices=True)
    fresh = User.objects.get(pk=opted.user.pk)  # its profile not loaded
    bare = User.objects.create_user(email="no-profile@example.org", password=None)
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=fresh, kind="x", text="Paid.")
        notify(user=bare, kind="x", text="Paid too.")
    assert [mail.to for mail in mailoutbox] == [[opted.user.email]]
    assert bare.notices.count() == 1
