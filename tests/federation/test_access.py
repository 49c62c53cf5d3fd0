"""The shared access vocabulary (coop/federation/access.py): one definition of operator,
active member, active steward and requester staff, used by every app."""

import pytest
from django.contrib.auth.models import AnonymousUser

from coop.core.errors import Forbidden
from coop.federation import access
from coop.federation.errors import NotAMember, NotASteward
from coop.federation.models import Membership
from tests.factories import CoopFactory, UserFactory, member, operator, organisation, steward

pytestmark = pytest.mark.django_db


def test_membership_managers_select_by_status_and_role():
    coop = CoopFactory()
    active = member(coop=coop)
    boss = steward(coop=coop)
    suspended_boss = steward(coop=coop, status=Membership.Status.SUSPENDED)
    applicant = member(coop=coop, status=Membership.Status.APPLICANT)
    left = member(coop=coop, status=Membership.Status.LEFT)
    member(coop=coop, status=Membership.Status.DECLINED)
    in_coop = Membership.objects.filter(coop=coop)
    assert set(in_coop.active()) == {active, boss}
    assert list(in_coop.stewards()) == [boss]
    assert set(in_coop.live()) == {active, boss, suspended_boss, applicant}
    assert left not in in_coop.live()


def test_steward_check_is_for_active_stewards_of_that_coop_only():
    coop, other = CoopFactory(), CoopFactory()
    boss = steward(coop=coop)
    suspended = steward(coop=coop, status=Membership.Status.SUSPENDED)
    plain = member(coop=coop)
    assert access.is_steward(boss.user, coop_id=coop.pk)
    assert not access.is_steward(boss.user, coop_id=other.pk)
    assert not access.is_steward(suspended.user, coop_id=coop.pk)
    assert not access.is_steward(plain.user, coop_id=coop.pk)
    assert not access.is_steward(AnonymousUser(), coop_id=coop.pk)
    assert not access.is_steward(None, coop_id=coop.pk)
    with pytest.raises(NotASteward):
        access.steward_require(plain.user, coop_id=coop.pk)
    with pytest.raises(Forbidden) as caught:
        access.steward_require(plain.user, coop_id=coop.pk, error=Forbidden("mine", "Mine."))
    assert caught.value.code == "mine"
    assert access.stewardship_of(boss.user) == boss
    assert access.stewardship_of(suspended.user) is None
    assert access.stewards_of(coop.pk) == [boss.user]


def test_member_require_needs_an_active_membership():
    coop = CoopFactory()
    active = member(coop=coop)
    suspended = member(coop=coop, status=Membership.Status.SUSPENDED)
    assert access.member_require(active.user) == active
    assert access.member_require(active.user, coop_id=coop.pk) == active
    with pytest.raises(NotAMember):
        access.member_require(active.user, coop_id=CoopFactory().pk)
    with pytest.raises(NotAMember):
        access.member_require(suspended.user)
    assert access.governance_membership(suspended.user) is None
    assert access.governance_membership(active.user) == active


def test_operator_is_a_logged_in_staff_user():
    assert access.is_operator(operator())
    assert not access.is_operator(UserFactory())
    assert not access.is_operator(AnonymousUser())
    assert not access.is_operator(None)
    with pytest.raises(Forbidden) as caught:
        access.operator_require(UserFactory())
    assert caught.value.code == "operator_only"


def test_requester_staff_is_per_organisation():
    org, other = organisation(), organisation()
    assert access.is_requester_staff(org.owner, organisation_id=org.pk)
    assert not access.is_requester_staff(org.owner, organisation_id=other.pk)
    assert not access.is_requester_staff(AnonymousUser(), organisation_id=org.pk)
    with pytest.raises(Forbidden) as caught:
        access.requester_staff_require(other.owner, organisation_id=org.pk)
    assert caught.value.code == "not_organisation_staff"


def test_the_steward_check_exists_once():
    """No app re-derives "active steward of this coop" from the membership table."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    # a filter on the membership's own role and status (aggregates over `memberships__...` are counts)
    role = r"(?<![\w.])role\s*=\s*(Membership\.Role\.STEWARD|\"steward\")"
    status = r"(?<![\w.])status\s*=\s*(Membership\.Status\.ACTIVE|\"active\")"
    near = r"[^\n]*\n?[^\n]*"
    pattern = re.compile(rf"{role}{near}(?<![\w.])status\s*=|{status}{near}(?<![\w.])role\s*=")
    offenders = []
    for path in list(root.glob("coop/**/*.py")) + list(root.glob("tasks/**/*.py")) + \
            list(root.glob("ledger/**/*.py")) + list(root.glob("accounts/**/*.py")):
        if "migrations" in path.parts or path.name in ("models.py", "demo.py"):
            continue
        if pattern.search(path.read_text()):
            offenders.append(str(path.relative_to(root)))
    assert offenders == []
