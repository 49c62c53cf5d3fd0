"""tasks/qualifications/permissions.py: a coop's qualification is its active stewards' to
manage, a requester's qualification its organisation's staff's; nobody else's."""

import pytest
from django.contrib.auth.models import AnonymousUser

from coop.core.errors import Forbidden
from coop.federation.errors import NotASteward
from coop.federation.models import Membership
from tasks.qualifications.permissions import can_manage, owner_require
from tests.factories import CoopFactory, member, organisation, steward

pytestmark = pytest.mark.django_db


class Owned:
    """The two fields the checks read from a qualification."""

    def __init__(self, coop_id, organisation_id=None):
        self.coop_id, self.organisation_id = coop_id, organisation_id


def test_a_coops_qualification_is_managed_by_its_active_stewards():
    coop = CoopFactory()
    qualification = Owned(coop.pk)
    assert can_manage(user=steward(coop).user, qualification=qualification)
    assert not can_manage(user=member(coop).user, qualification=qualification)
    assert not can_manage(user=steward(CoopFactory()).user, qualification=qualification)  # another coop's
    suspended = steward(coop, status=Membership.Status.SUSPENDED).user
    with pytest.raises(NotASteward):
        owner_require(user=suspended, coop_id=coop.pk, organisation_id=None)


def test_a_requesters_qualification_is_managed_by_its_staff_only():
    coop, org = CoopFactory(), organisation()
    qualification = Owned(coop.pk, org.pk)
    assert can_manage(user=org.owner, qualification=qualification)
    assert not can_manage(user=steward(coop).user, qualification=qualification)  # not the coop's to manage
    with pytest.raises(Forbidden) as refused:
        owner_require(user=organisation().owner, coop_id=coop.pk, organisation_id=org.pk)
    assert refused.value.code == "not_organisation_staff"


def test_nobody_logged_in_manages_nothing():
    assert not can_manage(user=AnonymousUser(), qualification=Owned(1))
    with pytest.raises(Forbidden):
        owner_require(user=None, coop_id=1, organisation_id=None)
