"""The selectors other apps call: organisation_for_request, organisations_of,
organisation_terms_current; and the access module's requester staff check."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts import selectors
from accounts.requesters import services
from coop.core.errors import DomainError
from coop.federation import access
from tests.factories import OrganisationStaffFactory, TermsVersionFactory, UserFactory, operator, organisation

pytestmark = pytest.mark.django_db


def _request(user=None, auth=None):
    return SimpleNamespace(user=user or AnonymousUser(), auth=auth)


def _code(fn, *args, **kwargs):
    with pytest.raises(DomainError) as exc:
        fn(*args, **kwargs)
    return exc.value.code, exc.value.status


def test_organisation_for_request_with_session():
    org = organisation()
    assert selectors.organisation_for_request(request=_request(org.owner)) == org
    assert selectors.organisation_for_request(request=_request(org.owner), organisation_id=str(org.pk)) == org
    other = organisation()
    f = selectors.organisation_for_request
    assert _code(f, request=_request(org.owner), organisation_id=other.pk) == ("organisation_not_found", 404)
    assert _code(f, request=_request(org.owner), organisation_id="abc") == ("organisation_not_found", 404)
    assert _code(f, request=_request(UserFactory())) == ("not_organisation_staff", 403)
    assert _code(f, request=_request()) == ("not_authenticated", 403)
    OrganisationStaffFactory(organisation=other, user=org.owner)
    assert _code(f, request=_request(org.owner)) == ("organisation_required", 400)
    assert f(request=_request(org.owner), organisation_id=other.pk) == other


def test_organisation_for_request_with_key_and_suspension():
    org = organisation()
    key, _s = services.api_key_create(user=org.owner, organisation=org, name="k")
    f = selectors.organisation_for_request
    assert f(request=_request(org.owner, key)) == org
    assert _code(f, request=_request(org.owner, key), organisation_id=organisation().pk) == (
        "organisation_not_found", 404)
    services.organisation_suspend(operator=operator(), organisation=org, reason="Unpaid invoices, twice.")
    key.organisation.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        f(request=_request(org.owner, key))
    assert exc.value.code == "organisation_suspended" and exc.value.status == 403
    assert exc.value.extra == {"reason": "Unpaid invoices, twice."}


def test_organisations_of_and_staff_require():
    org = organisation()
    row = OrganisationStaffFactory(organisation=org)
    assert list(selectors.organisations_of(user=row.user)) == [org]
    assert list(selectors.organisations_of(user=AnonymousUser())) == []
    # the staff check itself is the access module's (coop.federation.access.requester_staff_require)
    assert access.requester_staff_require(row.user, organisation_id=org.pk) == row
    assert _code(access.requester_staff_require, row.user, organisation_id=org.pk, role="owner") == (
        "organisation_role_required", 403)
    assert _code(access.requester_staff_require, UserFactory(), organisation_id=org.pk) == (
        "not_organisation_staff", 403)
    assert _code(access.requester_staff_require, AnonymousUser(), organisation_id=org.pk) == (
        "not_organisation_staff", 403)
    assert access.requester_staff_require(org.owner, organisation_id=org.pk, role="owner").role == "owner"


def test_organisation_terms_require():
    org = organisation(terms=False)
    assert _code(selectors.organisation_terms_require, organisation=org) == ("terms_not_accepted", 403)
    version = TermsVersionFactory()
    with pytest.raises(DomainError) as exc:
        selectors.organisation_terms_require(organisation=org)
    assert exc.value.extra == {"latest": version.number}
    services.terms_accept(user=org.owner, organisation=org, version=version.number)
    assert selectors.organisation_terms_require(organisation=org) is None
