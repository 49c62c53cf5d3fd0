"""accounts/selectors.py: which organisation a request acts for (key, session, none, several,
suspended), terms in force, unread notices, a person's own rows, invitations by token."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils import timezone

from accounts import selectors
from accounts.errors import (
    InvitationInvalid,
    NotOrganisationStaff,
    OrganisationNotFound,
    OrganisationRequired,
    OrganisationSuspended,
    TermsNotAccepted,
)
from accounts.models import Organisation, OrganisationStaff, TermsVersion
from accounts.requesters.services import api_key_create, invitation_create
from accounts.services import notices_mark_read, notify
from coop.core.errors import Forbidden
from tests.factories import OrganisationFactory, TermsVersionFactory, UserFactory, organisation

pytestmark = pytest.mark.django_db


def _request(user=None, auth=None):
    request = RequestFactory().get("/api/x/")
    request.user, request.auth = user or AnonymousUser(), auth
    return request


def test_organisation_for_request_with_a_key():
    org = organisation()
    key, _secret = api_key_create(user=org.owner, organisation=org, name="script")
    assert selectors.organisation_for_request(request=_request(org.owner, key)) == org
    assert selectors.organisation_for_request(request=_request(org.owner, key), organisation_id=str(org.pk)) == org
    with pytest.raises(OrganisationNotFound):
        selectors.organisation_for_request(request=_request(org.owner, key), organisation_id=org.pk + 1)


def test_organisation_for_request_with_a_session():
    org = organisation()
    assert selectors.organisation_for_request(request=_request(org.owner)) == org
    with pytest.raises(OrganisationNotFound):
        selectors.organisation_for_request(request=_request(org.owner), organisation_id="abc")
    with pytest.raises(NotOrganisationStaff):
        selectors.organisation_for_request(request=_request(UserFactory()))
    with pytest.raises(Forbidden):
        selectors.organisation_for_request(request=_request())
    second = OrganisationFactory()
    OrganisationStaff.objects.create(organisation=second, user=org.owner, role=OrganisationStaff.Role.STAFF)
    with pytest.raises(OrganisationRequired):
        selectors.organisation_for_request(request=_request(org.owner))
    assert selectors.organisation_for_request(request=_request(org.owner), organisation_id=second.pk) == second
    assert list(selectors.organisations_of(user=org.owner)) == sorted([org, second], key=lambda o: (o.name, o.pk))


def test_a_suspended_organisation_is_refused_with_its_reason():
    org = organisation()
    Organisation.objects.filter(pk=org.pk).update(suspended_at=timezone.now(), suspended_reason="Unpaid workers.")
    with pytest.raises(OrganisationSuspended) as caught:
        selectors.organisation_for_request(request=_request(org.owner))
    assert caught.value.extra == {"reason": "Unpaid workers."}


def test_terms_current_follows_the_latest_version():
    org = organisation()  # accepted the latest terms
    assert selectors.organisation_terms_current(organisation=org)
    assert selectors.organisations_annotate_terms(Organisation.objects.filter(pk=org.pk)).get().terms_current_flag
    TermsVersionFactory()  # new terms
    assert not selectors.organisation_terms_current(organisation=org)
    with pytest.raises(TermsNotAccepted) as caught:
        selectors.organisation_terms_require(organisation=org)
    assert caught.value.extra == {"latest": TermsVersion.objects.order_by("-number").first().number}
    assert selectors.organisation_terms_accepted(organisation=org).version.number == caught.value.extra["latest"] - 1


def test_no_terms_published_means_no_contract():
    org = OrganisationFactory()
    assert not selectors.organisation_terms_current(organisation=org)
    assert selectors.terms_latest() is None


def test_notices_unread_count_and_rows():
    user = UserFactory()
    notify(user=user, kind="info", text="One.")
    notify(user=user, kind="info", text="Two.")
    assert selectors.notices_unread_count(user=user) == 2
    notices_mark_read(user=user)
    assert selectors.notices_unread_count(user=user) == 0
    assert [row["text"] for row in selectors.notice_rows(user=user)] == ["One.", "Two."]
    assert selectors.profile_rows(user=user)[0]["email"] == user.email


def test_invitation_for_token_finds_it_by_its_clear_token_only():
    org = organisation()
    invitation, token = invitation_create(user=org.owner, organisation=org, email="new@lab.example", send=False)
    assert selectors.invitation_for_token(token) == invitation
    with pytest.raises(InvitationInvalid):
        selectors.invitation_for_token(invitation.token_hash)  # the stored hash is not a token
    with pytest.raises(InvitationInvalid):
        selectors.invitation_for_token("no-such-token")
    with pytest.raises(InvitationInvalid):
        selectors.invitation_for_token("")
