"""accounts/locks.py: the rows accounts locks, each found (or None / DoesNotExist) as its
callers expect."""

import pytest

from accounts import locks
from accounts.models import Organisation, OrganisationStaff, User
from accounts.requesters.services import api_key_create
from accounts.services import member_key_create
from tests.factories import OrganisationStaffFactory, TermsVersionFactory, UserFactory, organisation

pytestmark = pytest.mark.django_db


def test_organisation_rows():
    org = organisation()
    second_owner = OrganisationStaffFactory(organisation=org, role=OrganisationStaff.Role.OWNER)
    OrganisationStaffFactory(organisation=org, role=OrganisationStaff.Role.STAFF)
    assert locks.organisation_for_update(org.pk) == org
    owners = locks.owners_for_update(org.pk)
    assert [o.role for o in owners] == ["owner", "owner"] and owners[1] == second_owner
    assert owners[0].pk < owners[1].pk
    staff = locks.staff_for_update(second_owner.pk)
    assert staff == second_owner and staff.organisation == org
    assert locks.staff_for_update(0) is None
    with pytest.raises(Organisation.DoesNotExist):
        locks.organisation_for_update(0)


def test_user_and_key_rows():
    user = UserFactory(email="lock@example.org")
    assert locks.user_for_update(user.pk) == user
    assert locks.user_by_email_for_update("lock@example.org") == user
    assert locks.user_by_email_for_update("nobody@example.org") is None
    with pytest.raises(User.DoesNotExist):
        locks.user_for_update(0)
    key, _secret = member_key_create(user=user, name="phone", scopes=["read"])
    assert locks.member_key_for_update(key.pk, user_id=user.pk) == key
    assert locks.member_key_for_update(key.pk, user_id=UserFactory().pk) is None  # not theirs
    org = organisation()
    api_key, _secret = api_key_create(user=org.owner, organisation=org, name="script")
    assert locks.api_key_for_update(api_key.pk) == api_key


def test_terms_number_latest():
    assert locks.terms_number_latest_for_update() == 0
    TermsVersionFactory()
    TermsVersionFactory()
    assert locks.terms_number_latest_for_update() == 2
