"""coop/federation/views.py: the member's pages (dashboard, apply, rulebook, leave) and the
stewards' (scoped to their own coop: another coop's membership is a 404), each refusal shown
as a message with nothing changed."""

import pytest
from django.urls import reverse

from coop.federation.models import Membership
from tests.factories import CoopFactory, MembershipFactory, UserFactory, member, steward

pytestmark = pytest.mark.django_db


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_apply_sends_an_application_once(client):
    coop, user = CoopFactory(), UserFactory()
    client.force_login(user)
    page = client.get(reverse("federation:apply") + f"?coop={coop.pk}")
    assert page.status_code == 200 and page.context["form"].initial == {"coop": str(coop.pk)}
    done = client.post(reverse("federation:apply"), {"coop": coop.pk, "statement": "I label images."}, follow=True)
    assert "Your application was sent." in " ".join(_messages(done))
    again = client.post(reverse("federation:apply"), {"coop": coop.pk, "statement": "Again, please."})
    assert again.status_code == 200 and again.context["form"].non_field_errors()
    assert Membership.objects.filter(user=user).count() == 1


def test_dashboard_shows_the_rulebook_of_an_active_member(client):
    membership = member()
    client.force_login(membership.user)
    response = client.get(reverse("federation:dashboard"))
    assert response.context["membership"] == membership and response.context["rulebook"].version == 1


def test_rulebook_page_and_unknown_coop(client):
    coop = CoopFactory(name="Coop Tana")
    assert client.get(reverse("federation:rulebook", args=[coop.slug])).status_code == 200
    assert client.get(reverse("federation:rulebook", args=["nowhere"])).status_code == 404


def test_leave_without_a_membership_is_a_message(client):
    client.force_login(UserFactory())
    response = client.post(reverse("federation:leave"), follow=True)
    assert "You have no membership to leave." in _messages(response)


def test_steward_admits_in_their_coop_only(client):
    coop = CoopFactory()
    boss = steward(coop)
    applicant = MembershipFactory(coop=coop, status=Membership.Status.APPLICANT)
    elsewhere = MembershipFactory(status=Membership.Status.APPLICANT)
    client.force_login(boss.user)
    assert client.post(reverse("federation:steward_admit", args=[elsewhere.pk])).status_code == 404
    client.post(reverse("federation:steward_admit", args=[applicant.pk]))
    applicant.refresh_from_db()
    elsewhere.refresh_from_db()
    assert applicant.status == "active" and elsewhere.status == "applicant"


def test_decline_needs_a_reason(client):
    coop = CoopFactory()
    boss = steward(coop)
    applicant = MembershipFactory(coop=coop, status=Membership.Status.APPLICANT)
    client.force_login(boss.user)
    url = reverse("federation:steward_decline", args=[applicant.pk])
    short = client.post(url, {"reason": "no"})
    assert short.status_code == 200 and "reason" in short.context["form"].errors
    client.post(url, {"reason": "We are full this month."})
    applicant.refresh_from_db()
    assert applicant.status == "declined" and applicant.status_reason == "We are full this month."


def test_steward_pages_refuse_members(client):
    membership = member()
    client.force_login(membership.user)
    assert client.get(reverse("federation:steward_members")).status_code == 403
    assert client.get(reverse("federation:operator")).status_code == 403
