"""coop/federation/locks.py: the one membership lock (by pk, or a user's in a coop, among
statuses) and the rows that serialise rulebook numbers."""

import pytest

from coop.federation.locks import coop_for_update, federation_for_update, membership_for_update
from coop.federation.models import Coop, Membership
from tests.factories import CoopFactory, MembershipFactory, member

pytestmark = pytest.mark.django_db


def test_membership_for_update_by_user_and_coop_finds_the_active_one():
    membership = member()
    assert membership_for_update(user=membership.user, coop_id=membership.coop_id) == membership
    assert membership_for_update(user=membership.user.pk) == membership  # a user id works too
    assert membership_for_update(user=membership.user, coop_id=CoopFactory().pk) is None


def test_membership_for_update_filters_by_status():
    applicant = MembershipFactory(status=Membership.Status.APPLICANT)
    assert membership_for_update(pk=applicant.pk) is None  # active only by default
    assert membership_for_update(pk=applicant.pk, statuses=Membership.LIVE) == applicant
    assert membership_for_update(pk=applicant.pk, statuses=()) == applicant
    assert membership_for_update(pk=applicant.pk, statuses=(Membership.Status.LEFT,)) is None


def test_membership_for_update_must_exist_raises():
    with pytest.raises(Membership.DoesNotExist):
        membership_for_update(pk=0, must_exist=True)


def test_membership_for_update_reads_related_rows():
    membership = member()
    locked = membership_for_update(pk=membership.pk, related=("coop", "user"))
    assert locked.coop.name == membership.coop.name and locked.user.email == membership.user.email


def test_coop_and_federation_rows():
    coop = CoopFactory()
    assert coop_for_update(coop.pk) == coop
    assert federation_for_update() == coop.federation
    with pytest.raises(Coop.DoesNotExist):
        coop_for_update(0)
