"""Steward pages: scoped to the steward's own coop; wrong coop or role changes nothing."""

import pytest
from django.urls import reverse

from accounts.models import Notice
from coop.eventlog.models import Event
from coop.federation.models import Membership
from tests.factories import CoopFactory, MembershipFactory, member, steward

pytestmark = pytest.mark.django_db


@pytest.fixture
def coop():
    return CoopFactory()


@pytest.fixture
def stewardship(coop):
    return steward(coop)


@pytest.fixture
def steward_client(client, stewardship):
    client.force_login(stewardship.user)
    return client


def applicant(coop):
    return MembershipFactory(coop=coop, status=Membership.Status.APPLICANT, joined_at=None)


def test_steward_applications_lists_only_my_coop(steward_client, coop, django_assert_num_queries):
    mine = [applicant(coop) for _ in range(3)]
    other = applicant(CoopFactory())
    response = steward_client.get(reverse("federation:steward_applications"))
    assert response.status_code == 200
    shown = list(response.context["applications"])
    assert shown == mine and other not in shown
    # the list does not grow with the number of applications
    with django_assert_num_queries(5):
        steward_client.get(reverse("federation:steward_applications"))


def test_steward_admit_makes_an_active_member_and_tells_them(steward_client, coop, stewardship):
    application = applicant(coop)
    response = steward_client.post(reverse("federation:steward_admit", args=[application.pk]))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "active" and application.joined_at is not None
    assert application.rulebook_version == 1 and application.status_changed_by == stewardship.user
    assert Notice.objects.filter(user=application.user, kind="membership").exists()
    assert Event.objects.filter(type="membership.admitted", subject_id=str(application.pk)).count() == 1


def test_steward_admit_refuses_get(steward_client, coop):
    application = applicant(coop)
    assert steward_client.get(reverse("federation:steward_admit", args=[application.pk])).status_code == 405
    application.refresh_from_db()
    assert application.status == "applicant"


def test_steward_of_another_coop_gets_404_and_nothing_changes(steward_client):
    application = applicant(CoopFactory())
    victim = member(application.coop)
    for name, target, data in [
        ("steward_admit", application, {}),
        ("steward_decline", application, {"reason": "Not a good fit for us, sorry."}),
        ("steward_suspend", victim, {"article": 2, "reason": "Insulted another member."}),
    ]:
        response = steward_client.post(reverse(f"federation:{name}", args=[target.pk]), data)
        assert response.status_code == 404, name
    application.refresh_from_db()
    victim.refresh_from_db()
    assert application.status == "applicant" and victim.status == "active"
    assert not Event.objects.filter(type__in=["membership.admitted", "membership.declined",
                                              "membership.suspended"]).exists()


@pytest.mark.parametrize("url", ["federation:steward_applications", "federation:steward_members"])
def test_a_plain_member_gets_403_on_steward_pages(client, coop, url):
    client.force_login(member(coop).user)
    assert client.get(reverse(url)).status_code == 403


def test_a_plain_member_cannot_admit(client, coop):
    client.force_login(member(coop).user)
    application = applicant(coop)
    assert client.post(reverse("federation:steward_admit", args=[application.pk])).status_code == 403
    application.refresh_from_db()
    assert application.status == "applicant"


def test_anonymous_is_sent_to_login(client, coop):
    response = client.get(reverse("federation:steward_members"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_steward_decline_with_reason_and_the_applicant_reads_it(steward_client, client, coop):
    application = applicant(coop)
    url = reverse("federation:steward_decline", args=[application.pk])
    assert steward_client.get(url).status_code == 200
    response = steward_client.post(url, {"reason": "We are full until March; apply again then."})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "declined"
    assert application.status_reason == "We are full until March; apply again then."
    client.force_login(application.user)
    page = client.get(reverse("federation:dashboard")).content.decode()
    assert "We are full until March" in page


def test_steward_decline_without_reason_changes_nothing(steward_client, coop):
    application = applicant(coop)
    response = steward_client.post(reverse("federation:steward_decline", args=[application.pk]), {"reason": "no"})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    application.refresh_from_db()
    assert application.status == "applicant"
    assert not Event.objects.filter(type="membership.declined").exists()


def test_steward_members_lists_active_and_suspended_of_my_coop(steward_client, coop, django_assert_num_queries):
    people = [member(coop) for _ in range(3)]
    member(coop, status=Membership.Status.SUSPENDED)
    member(CoopFactory())
    response = steward_client.get(reverse("federation:steward_members"))
    members = list(response.context["members"])
    assert len(members) == 5  # 3 active + 1 suspended + the steward
    assert set(people) <= set(members)
    with django_assert_num_queries(5):
        steward_client.get(reverse("federation:steward_members"))
    filtered = steward_client.get(reverse("federation:steward_members") + "?status=suspended")
    assert [m.status for m in filtered.context["members"]] == ["suspended"]


def test_steward_suspend_cites_an_article_and_the_member_sees_it(steward_client, client, coop):
    target = member(coop)
    url = reverse("federation:steward_suspend", args=[target.pk])
    page = steward_client.get(url)
    assert page.status_code == 200 and "Article 2: Conduct" in page.content.decode()
    response = steward_client.post(url, {"article": "2", "reason": "Repeated insults in the coop forum."})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.status == "suspended" and target.status_article.number == 2
    assert target.status_reason == "Repeated insults in the coop forum."
    event = Event.objects.get(type="membership.suspended")
    assert event.payload_json["article"] == 2 and event.payload_json["rulebook_version"] == 1
    client.force_login(target.user)
    dashboard = client.get(reverse("federation:dashboard")).content.decode()
    assert "article 2 (Conduct)" in dashboard and "Repeated insults" in dashboard
    assert "Suspended on" in dashboard


@pytest.mark.parametrize("data", [
    {"reason": "Repeated insults in the coop forum."},  # missing article
    {"article": "99", "reason": "Repeated insults in the coop forum."},  # not in the rulebook
    {"article": "two", "reason": "Repeated insults in the coop forum."},  # wrong type
    {"article": "2", "reason": ""},  # missing reason
])
def test_steward_suspend_bad_input_changes_nothing(steward_client, coop, data):
    target = member(coop)
    response = steward_client.post(reverse("federation:steward_suspend", args=[target.pk]), data)
    assert response.status_code == 200 and response.context["form"].errors
    target.refresh_from_db()
    assert target.status == "active"
    assert not Event.objects.filter(type="membership.suspended").exists()


def test_steward_cannot_suspend_themselves(steward_client, stewardship):
    url = reverse("federation:steward_suspend", args=[stewardship.pk])
    response = steward_client.post(url, {"article": "2", "reason": "Testing whether I can do this."})
    assert response.status_code == 200
    assert "cannot suspend themselves" in response.content.decode()
    stewardship.refresh_from_db()
    assert stewardship.status == "active"


def test_steward_reinstate(steward_client, coop):
    target = member(coop, status=Membership.Status.SUSPENDED)
    url = reverse("federation:steward_reinstate", args=[target.pk])
    response = steward_client.post(url, {"reason": "We talked it through; apology accepted."})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.status == "active" and target.status_article is None
    assert Event.objects.filter(type="membership.reinstated").count() == 1


def test_steward_reinstate_an_active_member_is_refused(steward_client, coop):
    target = member(coop)
    response = steward_client.post(reverse("federation:steward_reinstate", args=[target.pk]),
                                   {"reason": "We talked it through; apology accepted."})
    assert response.status_code == 200
    assert "cannot change that way" in response.content.decode()
    assert not Event.objects.filter(type="membership.reinstated").exists()
