"""Requester services: registration, terms, staff, invitations, keys, suspension."""

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation

from accounts import selectors
from accounts import services as accounts_services
from accounts.keys import secret_digest
from accounts.models import ApiKey, Notice, OrganisationStaff, StaffInvitation, TermsAcceptance
from accounts.requesters import services
from coop.core.errors import DomainError
from coop.eventlog.models import Event
from tests.factories import OrganisationStaffFactory, TermsVersionFactory, UserFactory, operator, organisation

pytestmark = pytest.mark.django_db


def _staff(org, role="staff"):
    return OrganisationStaffFactory(organisation=org, role=role).user


# --- registration ------------------------------------------------------------------------

def test_organisation_register_makes_owner_and_event():
    user = UserFactory()
    org = services.organisation_register(user=user, name="  Ravina Labs ", country="fr", website="https://ravina.example")
    assert org.name == "Ravina Labs" and org.slug == "ravina-labs" and org.country == "FR"
    assert org.contact_email == user.email
    assert OrganisationStaff.objects.get(organisation=org).role == "owner"
    event = Event.objects.get(type="organisation.registered")
    assert event.subject_id == str(org.pk)
    other = services.organisation_register(user=UserFactory(), name="Ravina Labs")
    assert other.slug == "ravina-labs-2"


@pytest.mark.parametrize("fields,field", [
    ({"name": "   "}, "name"), ({"name": "X", "country": "France"}, "country"),
    ({"name": "X", "website": "javascript:alert(1)"}, "website"), ({"name": "X", "contact_email": "nope"},
                                                                  "contact_email"),
    ({"name": "X\x00"}, "name"),
])
def test_organisation_register_bad_input_changes_nothing(fields, field):
    with pytest.raises(DomainError) as exc:
        services.organisation_register(user=UserFactory(), **fields)
    assert exc.value.extra["field"] == field
    assert not selectors.organisations_for_operator().exists()


def test_organisation_update_needs_owner():
    org = organisation()
    with pytest.raises(DomainError) as exc:
        services.organisation_update(user=_staff(org), organisation=org, name="New")
    assert exc.value.code == "organisation_role_required"
    services.organisation_update(user=org.owner, organisation=org, name="New name", description="We label audio.")
    org.refresh_from_db()
    assert org.name == "New name" and org.description == "We label audio."


# --- terms -------------------------------------------------------------------------------

def test_terms_current_false_without_terms_then_true_after_accept():
    org = organisation(terms=False)
    assert selectors.organisation_terms_current(organisation=org) is False  # nothing published
    op = operator()
    v1 = services.terms_version_publish(operator=op, text="Version one.")
    assert selectors.organisation_terms_current(organisation=org) is False
    acceptance = services.terms_accept(user=org.owner, organisation=org, version=v1.number)
    assert acceptance.version == v1 and acceptance.accepted_by == org.owner and acceptance.accepted_at
    assert selectors.organisation_terms_current(organisation=org) is True
    Event.objects.get(type="terms.accepted", subject_id=str(org.pk))


def test_terms_new_version_must_be_accepted_again_and_owners_notified():
    org = organisation()
    assert selectors.organisation_terms_current(organisation=org)
    v2 = services.terms_version_publish(operator=operator(), text="Version two.")
    assert selectors.organisation_terms_current(organisation=org) is False
    assert Notice.objects.filter(user=org.owner, kind="terms.published").exists()
    services.terms_accept(user=org.owner, organisation=org, version=v2)
    assert selectors.organisation_terms_current(organisation=org)
    assert TermsAcceptance.objects.filter(organisation=org).count() == 2


def test_terms_accept_refuses_old_version_wrong_role_and_non_operator_publish():
    org = organisation(terms=False)
    v1 = TermsVersionFactory()
    TermsVersionFactory()
    with pytest.raises(DomainError) as exc:
        services.terms_accept(user=org.owner, organisation=org, version=v1.number)
    assert exc.value.code == "terms_outdated"
    with pytest.raises(DomainError) as exc:
        services.terms_accept(user=_staff(org), organisation=org, version=2)
    assert exc.value.code == "organisation_role_required"
    with pytest.raises(DomainError) as exc:
        services.terms_accept(user=UserFactory(), organisation=org, version=2)
    assert exc.value.code == "not_organisation_staff"
    with pytest.raises(DomainError) as exc:
        services.terms_version_publish(operator=org.owner, text="Mine now.")
    assert exc.value.code == "not_operator"
    assert not TermsAcceptance.objects.filter(organisation=org).exists()


def test_terms_accept_twice_is_one_acceptance():
    org = organisation(terms=False)
    v = TermsVersionFactory()
    a = services.terms_accept(user=org.owner, organisation=org, version=v)
    b = services.terms_accept(user=org.owner, organisation=org, version=v)
    assert a.pk == b.pk


# --- invitations -------------------------------------------------------------------------

def test_invitation_create_and_accept(django_capture_on_commit_callbacks):
    org = organisation()
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = services.invitation_create(user=org.owner, organisation=org, email="New@Lab.example",
                                                       link_base="http://testserver/")
    assert invitation.email == "new@lab.example" and invitation.status == "pending"
    assert invitation.token_hash == secret_digest(token, purpose="invitation") and token not in invitation.token_hash
    assert len(mail.outbox) == 1 and f"http://testserver/requester/join/{token}/" in mail.outbox[0].body
    person = UserFactory(email="new@lab.example")
    staff = services.invitation_accept(user=person, token=token)
    assert staff.role == "staff" and staff.organisation == org
    invitation.refresh_from_db()
    assert invitation.status == "accepted" and invitation.accepted_by == person
    with pytest.raises(DomainError) as exc:
        services.invitation_accept(user=person, token=token)
    assert exc.value.code == "invitation_used"


@pytest.mark.parametrize("language, days, words", [
    ("en", 1, "Accept within 1 day:"), ("en", 7, "Accept within 7 days:"),
    ("fr", 1, "Acceptez sous 1 jour :"), ("fr", 7, "Acceptez sous 7 jours :"),
])
def test_invitation_email_says_the_days_in_the_plural_form_of_its_language(language, days, words,
                                                                            django_capture_on_commit_callbacks):
    org = organisation()
    with translation.override(language), django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(user=org.owner, organisation=org, email="plural@lab.example", days=days)
    assert words in mail.outbox[-1].body


def test_invitation_expired():
    org = organisation()
    invitation, token = services.invitation_create(user=org.owner, organisation=org, email="late@lab.example")
    StaffInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(DomainError) as exc:
        services.invitation_accept(user=UserFactory(email="late@lab.example"), token=token)
    assert exc.value.code == "invitation_expired" and exc.value.status == 409
    assert not OrganisationStaff.objects.filter(organisation=org, user__email="late@lab.example").exists()


def test_invitation_revoked_unknown_token_and_wrong_user():
    org = organisation()
    invitation, token = services.invitation_create(user=org.owner, organisation=org, email="a@lab.example")
    with pytest.raises(DomainError) as exc:
        services.invitation_accept(user=UserFactory(email="someone@else.example"), token=token)
    assert exc.value.code == "invitation_wrong_user"
    services.invitation_revoke(user=org.owner, invitation=invitation)
    with pytest.raises(DomainError) as exc:
        services.invitation_accept(user=UserFactory(email="a@lab.example"), token=token)
    assert exc.value.code == "invitation_revoked"
    with pytest.raises(DomainError) as exc:
        services.invitation_accept(user=UserFactory(), token="not-a-token")
    assert exc.value.code == "invitation_invalid" and exc.value.status == 404
    assert OrganisationStaff.objects.filter(organisation=org).count() == 1


def test_invitation_wrong_role_and_other_organisation():
    org = organisation()
    with pytest.raises(DomainError) as exc:
        services.invitation_create(user=_staff(org), organisation=org, email="x@lab.example")
    assert exc.value.code == "organisation_role_required"
    other = organisation()
    with pytest.raises(DomainError) as exc:
        services.invitation_create(user=other.owner, organisation=org, email="x@lab.example")
    assert exc.value.code == "not_organisation_staff"
    with pytest.raises(DomainError) as exc:
        services.invitation_create(user=org.owner, organisation=org, email="x@lab.example", role="admin")
    assert exc.value.code == "invalid"
    assert not StaffInvitation.objects.exists()


def test_invitation_new_replaces_pending_and_existing_staff_refused():
    org = organisation()
    first, _t = services.invitation_create(user=org.owner, organisation=org, email="b@lab.example")
    services.invitation_create(user=org.owner, organisation=org, email="b@lab.example", role="owner")
    first.refresh_from_db()
    assert first.status == "revoked"
    with pytest.raises(DomainError) as exc:
        services.invitation_create(user=org.owner, organisation=org, email=org.owner.email)
    assert exc.value.code == "already_staff"


# --- staff -------------------------------------------------------------------------------

def test_staff_role_change_and_last_owner():
    org = organisation()
    owner_row = OrganisationStaff.objects.get(organisation=org, user=org.owner)
    with pytest.raises(DomainError) as exc:
        services.staff_role_change(user=org.owner, staff=owner_row, role="staff")
    assert exc.value.code == "last_owner"
    other = OrganisationStaffFactory(organisation=org)
    services.staff_role_change(user=org.owner, staff=other, role="owner")
    services.staff_role_change(user=org.owner, staff=owner_row, role="staff")
    owner_row.refresh_from_db()
    assert owner_row.role == "staff"


def test_staff_remove_revokes_their_keys():
    org = organisation()
    row = OrganisationStaffFactory(organisation=org)
    key, _secret = services.api_key_create(user=row.user, organisation=org, name="their script")
    with pytest.raises(DomainError):
        services.staff_remove(user=row.user, staff=OrganisationStaff.objects.get(user=org.owner, organisation=org))
    services.staff_remove(user=org.owner, staff=row)
    key.refresh_from_db()
    assert key.revoked_at is not None and key.revoked_by == org.owner
    assert not OrganisationStaff.objects.filter(pk=row.pk).exists()


# --- API keys ----------------------------------------------------------------------------

def test_api_key_secret_never_stored_or_logged(caplog):
    org = organisation()
    caplog.set_level(logging.DEBUG)
    key, secret = services.api_key_create(user=org.owner, organisation=org, name="labeller")
    assert secret.startswith(f"atl_{key.prefix}_") and len(secret) > 40
    row = ApiKey.objects.filter(pk=key.pk).values().get()
    assert all(secret not in str(value) and secret.split("_")[2] not in str(value) for value in row.values())
    assert row["secret_hash"] == secret_digest(secret)
    assert secret not in caplog.text
    for event in Event.objects.all():
        assert secret.encode() not in bytes(event.payload)


def test_api_key_digest_is_keyed(settings):
    digest = secret_digest("atl_abcdefgh_secret")
    settings.API_KEY_SECRET = "another-server-key"
    assert secret_digest("atl_abcdefgh_secret") != digest


def test_api_key_create_refused_for_outsider_suspended_and_blank_name():
    org = organisation()
    with pytest.raises(DomainError) as exc:
        services.api_key_create(user=UserFactory(), organisation=org, name="x")
    assert exc.value.code == "not_organisation_staff"
    with pytest.raises(DomainError) as exc:
        services.api_key_create(user=org.owner, organisation=org, name="  ")
    assert exc.value.code == "invalid"
    services.organisation_suspend(operator=operator(), organisation=org, reason="Unpaid deposits for 3 months.")
    with pytest.raises(DomainError) as exc:
        services.api_key_create(user=org.owner, organisation=org, name="x")
    assert exc.value.code == "organisation_suspended"
    assert not ApiKey.objects.exists()


def test_api_key_revoke_by_creator_or_owner_only():
    org = organisation()
    a, b = _staff(org), _staff(org)
    key, _s = services.api_key_create(user=a, organisation=org, name="a's key")
    with pytest.raises(DomainError) as exc:
        services.api_key_revoke(user=b, key=key)
    assert exc.value.code == "organisation_role_required"
    services.api_key_revoke(user=org.owner, key=key)
    with pytest.raises(DomainError) as exc:
        services.api_key_revoke(user=a, key=key)
    assert exc.value.code == "api_key_revoked"
    Event.objects.get(type="api_key.revoked")


def test_api_key_mark_used_at_most_once_a_minute():
    org = organisation()
    key, _s = services.api_key_create(user=org.owner, organisation=org, name="k")
    now = timezone.now()
    assert accounts_services.api_key_mark_used(key=key, now=now)
    assert not accounts_services.api_key_mark_used(key=key, now=now + timedelta(seconds=30))
    assert accounts_services.api_key_mark_used(key=key, now=now + timedelta(seconds=61))
    key.refresh_from_db()
    assert key.last_used_at == now + timedelta(seconds=61)


# --- suspension --------------------------------------------------------------------------

def test_organisation_suspend_and_unsuspend():
    org = organisation()
    staff = _staff(org)
    op = operator()
    with pytest.raises(DomainError) as exc:
        services.organisation_suspend(operator=op, organisation=org, reason="short")
    assert exc.value.code == "reason_required"
    with pytest.raises(DomainError) as exc:
        services.organisation_suspend(operator=org.owner, organisation=org, reason="I suspend myself today.")
    assert exc.value.code == "not_operator"
    services.organisation_suspend(operator=op, organisation=org, reason="Breach of terms article 3.")
    org.refresh_from_db()
    assert org.is_suspended and org.suspended_reason == "Breach of terms article 3."
    assert "Breach of terms article 3." in Notice.objects.get(user=staff, kind="organisation.suspended").text
    with pytest.raises(DomainError) as exc:
        services.organisation_suspend(operator=op, organisation=org, reason="Breach of terms article 3.")
    assert exc.value.code == "already_suspended"
    services.organisation_unsuspend(operator=op, organisation=org)
    org.refresh_from_db()
    assert not org.is_suspended and org.suspended_reason == ""
    assert [e.type for e in Event.objects.filter(type__startswith="organisation.")].count("organisation.suspended") == 1


def test_organisations_for_operator_shows_accepted_terms():
    a = organisation()
    organisation(terms=False)
    rows = {o.pk: o for o in selectors.organisations_for_operator()}
    assert rows[a.pk].terms_number == 1 and rows[a.pk].terms_accepted_at is not None
    assert len(rows) == 2 and [o.terms_number for o in rows.values()].count(None) == 1


def test_organisation_register_survives_a_slug_race(monkeypatch):
    services.organisation_register(user=UserFactory(), name="Same Name")
    # a concurrent registration computed the slug before the first one was saved
    monkeypatch.setattr(services, "_unique_slug", lambda name: "same-name")
    org = services.organisation_register(user=UserFactory(), name="Same Name")
    assert org.slug.startswith("same-name-") and len(org.slug) == len("same-name-") + 6
