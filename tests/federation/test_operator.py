"""The federation operator: a staff-only page (`manage.py create_coop`: tests/core/test_create_coop.py)."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from coop.eventlog.models import Event
from coop.federation.models import Coop, Membership, RulebookVersion
from tests.factories import CoopFactory, FederationFactory, UserFactory, member, operator, steward

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    FederationFactory()
    client.force_login(operator())
    return client


def test_operator_page_creates_a_coop_with_founding_stewards(operator_client):
    alice, bob = UserFactory(), UserFactory()
    response = operator_client.post(reverse("federation:operator"), {
        "coop-name": "Coop Nairobi", "coop-slug": "nairobi", "coop-country": "ke",
        "coop-stewards": f"{alice.email}, {bob.email}",
    })
    assert response.status_code == 302
    coop = Coop.objects.get(slug="nairobi")
    assert coop.country == "KE"
    assert RulebookVersion.objects.get(coop=coop).number == 1
    stewards = Membership.objects.filter(coop=coop, role="steward", status="active")
    assert {m.user for m in stewards} == {alice, bob}
    assert Event.objects.filter(type="coop.created", coop=coop).count() == 1
    assert Event.objects.filter(type="steward.appointed", coop=coop).count() == 2


@pytest.mark.parametrize("data, error", [
    ({"coop-slug": "nairobi"}, "This field is required"),  # missing name
    ({"coop-name": "Coop Nairobi", "coop-slug": "Nai robi!"}, "Enter a valid"),  # wrong type of slug
    ({"coop-name": "Coop Nairobi", "coop-slug": "nairobi", "coop-stewards": "nobody@example.org"},
     "No account with the email nobody@example.org"),
])
def test_operator_create_coop_bad_input_changes_nothing(operator_client, data, error):
    before = Coop.objects.count()
    response = operator_client.post(reverse("federation:operator"), data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert Coop.objects.count() == before
    assert not Event.objects.filter(type="coop.created").exists()


def test_operator_create_coop_with_a_taken_slug_is_refused(operator_client):
    CoopFactory(slug="tana")
    response = operator_client.post(reverse("federation:operator"), {"coop-name": "Again", "coop-slug": "tana"})
    assert "already exists" in response.content.decode()
    assert Coop.objects.filter(slug="tana").count() == 1


def test_operator_appoints_a_steward(operator_client):
    coop = CoopFactory()
    user = UserFactory()
    response = operator_client.post(reverse("federation:operator"), {"appoint-coop": coop.pk,
                                                                     "appoint-email": user.email})
    assert response.status_code == 302
    assert Membership.objects.get(user=user).is_steward


def test_operator_cannot_appoint_a_member_of_another_coop(operator_client):
    other = member()
    coop = CoopFactory()
    response = operator_client.post(reverse("federation:operator"), {"appoint-coop": coop.pk,
                                                                     "appoint-email": other.user.email})
    assert response.status_code == 200 and "already belong" in response.content.decode()
    other.refresh_from_db()
    assert other.coop_id != coop.pk and other.role == "member"


@pytest.mark.parametrize("who", ["member", "steward"])
def test_operator_page_is_staff_only(client, who):
    user = (member() if who == "member" else steward()).user
    client.force_login(user)
    assert client.get(reverse("federation:operator")).status_code == 403
    response = client.post(reverse("federation:operator"), {"coop-name": "Mine", "coop-slug": "mine"})
    assert response.status_code == 403
    assert not Coop.objects.filter(slug="mine").exists()


def test_django_admin_is_operator_only(client):
    client.force_login(steward().user)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_admin_event_log_is_read_only(client):
    client.force_login(operator())
    coop = CoopFactory()
    from coop.eventlog.services import event_record

    event_id = event_record(type="test.happened", coop=coop, subject=coop)
    assert client.get("/admin/eventlog/event/").status_code == 200
    assert client.get("/admin/eventlog/event/add/").status_code == 403
    assert client.post(f"/admin/eventlog/event/{event_id}/delete/", {"post": "yes"}).status_code == 403
    assert Event.objects.filter(pk=event_id).exists()


def test_the_first_coop_of_a_fresh_installation_sets_up_the_federation(settings):
    from coop.federation.models import Federation

    settings.FEDERATION_NAME, settings.FEDERATION_CURRENCY = "Fresh Federation", "EUR"
    operator()
    founder = UserFactory(email="founder@example.org")
    call_command("create_coop", "--name", "Coop Lyon", "--slug", "lyon", "--steward", founder.email)
    federation = Federation.objects.get()
    assert (federation.name, federation.currency) == ("Fresh Federation", "EUR")
    assert RulebookVersion.objects.filter(coop__isnull=True).count() == 1
    assert Event.objects.filter(type="federation.created").count() == 1
