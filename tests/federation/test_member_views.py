"""The member's pages: dashboard, apply, leave and the rulebook."""

import pytest
from django.urls import reverse

from coop.eventlog.models import Event
from coop.federation import services
from coop.federation.models import Membership
from tests.factories import CoopFactory, MembershipFactory, UserFactory, member, steward

pytestmark = pytest.mark.django_db


def test_dashboard_without_a_coop_invites_to_apply(client):
    client.force_login(UserFactory())
    page = client.get(reverse("federation:dashboard")).content.decode()
    assert "You are not in a coop yet." in page and reverse("federation:apply") in page


def test_dashboard_of_a_member_shows_coop_role_notices_and_rules(client):
    mine = member()
    client.force_login(mine.user)
    response = client.get(reverse("federation:dashboard"))
    page = response.content.decode()
    assert mine.coop.name in page and "Rules in force" in page and "Version 1, in force since" in page
    assert reverse("federation:rulebook", args=[mine.coop.slug]) in page
    assert response.context["rulebook"].version == 1


def test_dashboard_of_a_steward_links_the_steward_pages(client):
    client.force_login(steward().user)
    assert reverse("federation:steward_applications") in client.get(reverse("federation:dashboard")).content.decode()


def test_dashboard_of_a_member_has_no_steward_link(client):
    client.force_login(member().user)
    assert reverse("federation:steward_applications") not in client.get(
        reverse("federation:dashboard")).content.decode()


def test_dashboard_needs_login(client):
    response = client.get(reverse("federation:dashboard"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_apply_sends_an_application(client):
    coop = CoopFactory()
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("federation:apply"), {"coop": coop.pk,
                                                         "statement": "I label images and transcribe audio."})
    assert response.status_code == 302
    assert Membership.objects.get(user=user).status == "applicant"
    page = client.get(reverse("federation:dashboard")).content.decode()
    assert "Your application is waiting for a steward." in page


@pytest.mark.parametrize("data", [
    {"statement": "I label images and transcribe audio."},  # missing coop
    {"coop": "tana", "statement": "I label images and transcribe audio."},  # wrong type
    {"coop": 999999, "statement": "I label images and transcribe audio."},  # no such coop
    {"coop": None, "statement": ""},  # missing statement (coop filled below)
    {"coop": None, "statement": "short"},  # too short: the service refuses it
    {"coop": None, "statement": "nul \x00 byte in my statement"},
])
def test_apply_bad_input_changes_nothing(client, data):
    coop = CoopFactory()
    user = UserFactory()
    client.force_login(user)
    data = {k: (coop.pk if k == "coop" and v is None else v) for k, v in data.items()}
    response = client.post(reverse("federation:apply"), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Membership.objects.filter(user=user).exists()
    assert not Event.objects.filter(type="membership.applied").exists()


def test_apply_while_already_a_member_is_refused(client):
    mine = member()
    client.force_login(mine.user)
    response = client.post(reverse("federation:apply"), {"coop": CoopFactory().pk,
                                                         "statement": "I would like to move to another coop."})
    assert response.status_code == 200 and "already belong to a coop" in response.content.decode()
    assert Membership.objects.filter(user=mine.user).count() == 1


def test_leave_needs_post_and_then_leaves(client):
    mine = member()
    client.force_login(mine.user)
    client.get(reverse("federation:leave"))
    mine.refresh_from_db()
    assert mine.status == "active"
    client.post(reverse("federation:leave"))
    mine.refresh_from_db()
    assert mine.status == "left"
    page = client.get(reverse("federation:dashboard")).content.decode()
    assert "You can still see and withdraw what is yours" in page
    assert client.get(reverse("federation:dashboard")).status_code == 200  # still logs in


def test_leave_without_a_membership_says_so(client):
    client.force_login(UserFactory())
    response = client.post(reverse("federation:leave"), follow=True)
    assert "You have no membership to leave." in response.content.decode()
    assert not Event.objects.filter(type="membership.left").exists()


def test_rulebook_page_is_public_and_complete(client):
    coop = CoopFactory(params={"allocation_policy": "first_come"})
    response = client.get(reverse("federation:rulebook", args=[coop.slug]))
    assert response.status_code == 200
    page = response.content.decode()
    for name in ("floor_hourly_rate", "supermajority", "rejection_reasons", "jury_size"):
        assert f'id="param-{name}"' in page
    assert "First come, first served" in page and "first_come" not in page  # the policy in words, not its code
    assert "free choice" in page and "between 5\u00a0% and 100\u00a0%" in page
    assert "The answer is incomplete." in page and "instructions_not_followed" not in page
    assert "$12.00" in page and "at least $12.00" in page
    assert 'id="article-6"' in page and "Version 1, from" in page


def test_rulebook_page_of_an_unknown_coop_is_404(client):
    response = client.get(reverse("federation:rulebook", args=["nowhere"]))
    assert response.status_code == 404
    assert "This page does not exist" in response.content.decode()


def test_a_suspended_member_sees_article_reason_and_date(client):
    coop = CoopFactory()
    boss, target = steward(coop), member(coop)
    services.membership_suspend(steward=boss.user, membership=target, article_number=3,
                                reason="Copied answers in two batches.")
    client.force_login(target.user)
    page = client.get(reverse("federation:dashboard")).content.decode()
    assert "under article 3 (Honest work)" in page and "Copied answers in two batches." in page
    target.refresh_from_db()
    assert target.status_changed_at.strftime("%Y") in page


def test_a_declined_applicant_may_apply_again(client):
    coop = CoopFactory()
    boss = steward(coop)
    application = MembershipFactory(coop=coop, status=Membership.Status.APPLICANT, joined_at=None)
    services.membership_decline(steward=boss.user, membership=application, reason="Apply again after training.")
    client.force_login(application.user)
    page = client.get(reverse("federation:dashboard")).content.decode()
    assert "Apply again after training." in page and "Apply again" in page
    response = client.post(reverse("federation:apply"), {"coop": coop.pk,
                                                         "statement": "I finished the training course."})
    assert response.status_code == 302
    assert Membership.objects.filter(user=application.user, status="applicant").count() == 1


def test_a_coop_without_a_rulebook_in_force_is_a_404_page_and_a_quiet_dashboard(client):
    from datetime import timedelta

    from django.utils import timezone

    from coop.federation.models import RulebookVersion

    mine = member()
    RulebookVersion.objects.filter(coop=mine.coop).update(effective_at=timezone.now() + timedelta(days=1))
    assert client.get(reverse("federation:rulebook", args=[mine.coop.slug])).status_code == 404
    client.force_login(mine.user)
    response = client.get(reverse("federation:dashboard"))
    assert response.status_code == 200 and response.context["rulebook"] is None
