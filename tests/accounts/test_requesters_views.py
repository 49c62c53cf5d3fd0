"""Requester pages: render, act through services, refuse outsiders."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import ApiKey, Organisation, StaffInvitation, TermsAcceptance, TermsVersion
from accounts.requesters import services
from tests.factories import OrganisationStaffFactory, TermsVersionFactory, UserFactory, operator, organisation

pytestmark = pytest.mark.django_db


def test_requester_home_without_organisation_offers_registration(client):
    client.force_login(UserFactory())
    response = client.get(reverse("accounts:requester_home"))
    assert response.status_code == 200 and reverse("accounts:requester_register").encode() in response.content


def test_register_accept_terms_create_key_pages(client):
    TermsVersionFactory(text="Pay **fairly**.")
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("accounts:requester_register"), {"name": "Ravina Labs", "country": "fr"})
    org = Organisation.objects.get(name="Ravina Labs")
    assert response.status_code == 302 and response["Location"].endswith(f"?org={org.pk}")
    page = client.get(response["Location"])
    assert b"<strong>fairly</strong>" in page.content
    client.post(reverse("accounts:requester_terms"), {"org": org.pk, "version": 1})
    assert TermsAcceptance.objects.filter(organisation=org, version__number=1).exists()
    response = client.post(reverse("accounts:api_key_create"), {"org": org.pk, "name": "script"})
    assert response.status_code == 200 and not ApiKey.objects.exists()  # no scope chosen: the form says so
    response = client.post(reverse("accounts:api_key_create"), {"org": org.pk, "name": "script",
                                                                "scopes": ["projects", "read"]})
    key = ApiKey.objects.get(organisation=org)
    assert key.scopes == ["read", "projects"]
    assert response.status_code == 200 and f"atl_{key.prefix}_".encode() in response.content
    home = client.get(reverse("accounts:requester_home"))
    assert f"atl_{key.prefix}_…".encode() in home.content and b'id="new-key-secret"' not in home.content


def test_bad_input_rerenders_and_changes_nothing(client):
    org = organisation()
    client.force_login(org.owner)
    response = client.post(reverse("accounts:invitation_create"), {"org": org.pk, "email": "not-an-email"})
    assert response.status_code == 200 and not StaffInvitation.objects.exists()
    response = client.post(reverse("accounts:requester_terms"), {"org": org.pk, "version": 99})
    assert response.status_code == 200 and b"not the current terms" in response.content


def test_someone_elses_organisation_is_404(client):
    org = organisation()
    other = organisation()
    key, _s = services.api_key_create(user=other.owner, organisation=other, name="theirs")
    client.force_login(org.owner)
    assert client.get(reverse("accounts:requester_home") + f"?org={other.pk}").status_code == 404
    assert client.post(reverse("accounts:api_key_revoke", args=[key.pk])).status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


def test_invitation_link_flow(client):
    org = organisation()
    invitation, token = services.invitation_create(user=org.owner, organisation=org, email="new@lab.example")
    url = reverse("accounts:invitation_accept", args=[token])
    anonymous = client.get(url)
    assert anonymous.status_code == 200 and b"new@lab.example" in anonymous.content
    assert client.get(reverse("accounts:invitation_accept", args=["bogus"])).status_code == 404
    person = UserFactory(email="new@lab.example")
    client.force_login(person)
    response = client.post(url)
    assert response.status_code == 302
    assert org.staff.filter(user=person, role="staff").exists()


def test_signup_returns_to_invitation(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:signup") + "?next=/requester/join/abc/", {
            "email": "fresh@lab.example", "display_name": "Fresh", "country": "FR", "password": "a-long-pass-phrase-9",
            "next": "/requester/join/abc/"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:signup_sent")
    link = next(w for w in mail.outbox[0].body.split() if "/signup/confirm/" in w).split("testserver", 1)[1]
    response = client.post(link, {"password": "a-long-pass-phrase-9"})
    assert response.status_code == 302 and response["Location"] == "/requester/join/abc/"


def test_suspended_organisation_shows_reason_to_staff(client):
    org = organisation()
    staff = OrganisationStaffFactory(organisation=org).user
    services.organisation_suspend(operator=operator(), organisation=org, reason="Deposits bounced twice.")
    client.force_login(staff)
    page = client.get(reverse("accounts:requester_home"))
    assert b"Deposits bounced twice." in page.content


def test_public_profile_for_members(client):
    org = organisation(description="We build *speech* datasets.")
    client.force_login(UserFactory())
    page = client.get(reverse("accounts:organisation_profile", args=[org.slug]))
    assert page.status_code == 200 and b"<em>speech</em>" in page.content
    assert org.owner.email.encode() not in page.content


def test_operator_pages(client, django_assert_max_num_queries):
    for _ in range(3):
        organisation()
    op = operator()
    client.force_login(op)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("accounts:operator_organisations"))
    assert page.status_code == 200 and page.content.count(b"v1 on") == 3
    org = Organisation.objects.first()
    client.post(reverse("accounts:operator_suspend", args=[org.pk]), {"reason": "short"})
    org.refresh_from_db()
    assert not org.is_suspended
    client.post(reverse("accounts:operator_suspend", args=[org.pk]), {"reason": "Terms breach, article 3."})
    org.refresh_from_db()
    assert org.suspended_reason == "Terms breach, article 3."
    client.post(reverse("accounts:operator_unsuspend", args=[org.pk]))
    org.refresh_from_db()
    assert not org.is_suspended
    client.post(reverse("accounts:operator_organisations"), {"text": "Version two of the terms."})
    assert TermsVersion.objects.filter(number=2).exists()
    client.force_login(org.staff.first().user)
    assert client.get(reverse("accounts:operator_organisations")).status_code == 404


def test_admin_shows_requester_records_read_only_without_hashes(client):
    org = organisation()
    key, secret = services.api_key_create(user=org.owner, organisation=org, name="k")
    services.invitation_create(user=org.owner, organisation=org, email="z@lab.example")
    client.force_login(operator())
    for model in ("organisation", "organisationstaff", "termsversion", "termsacceptance", "staffinvitation",
                  "apikey"):
        response = client.get(f"/admin/accounts/{model}/")
        assert response.status_code == 200, model
    page = client.get(f"/admin/accounts/apikey/{key.pk}/change/")
    assert page.status_code == 200 and key.secret_hash.encode() not in page.content
    assert secret.encode() not in page.content
    assert client.get("/admin/accounts/apikey/add/").status_code == 403


def test_requester_home_pins_its_queries(client, django_assert_num_queries):
    org = organisation()
    for n in range(3):
        row = OrganisationStaffFactory(organisation=org)
        services.api_key_create(user=row.user, organisation=org, name=f"key {n}")
        services.invitation_create(user=org.owner, organisation=org, email=f"i{n}@lab.example")
    client.force_login(org.owner)
    # session, user with profile, organisation, staff row, terms current (2), accepted, latest,
    # roles (nav), organisations (switcher), staff, invitations, keys: none per row
    with django_assert_num_queries(13):
        page = client.get(reverse("accounts:requester_home"))
    assert page.status_code == 200 and page.content.count(b"atl_") == 3 and page.content.count(b"i1@lab") == 1
