"""coop/federation/models.py: the membership vocabulary (`active_q`, `steward_q`, the queryset's
`live/active/stewards/participating`, `is_steward`) and the one-live-membership constraint."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from coop.eventlog.clock import now_us
from coop.eventlog.services import event_record
from coop.federation.models import Coop, Membership, active_q, steward_q
from tests.factories import CoopFactory, MembershipFactory, UserFactory, member, steward

pytestmark = pytest.mark.django_db

S, R = Membership.Status, Membership.Role


@pytest.fixture
def coop_of_five():
    coop = CoopFactory()
    rows = {
        "member": member(coop),
        "steward": steward(coop),
        "suspended_steward": MembershipFactory(coop=coop, role=R.STEWARD, status=S.SUSPENDED),
        "applicant": MembershipFactory(coop=coop, status=S.APPLICANT),
        "left": MembershipFactory(coop=coop, status=S.LEFT),
    }
    return coop, rows


def test_queryset_states(coop_of_five):
    coop, rows = coop_of_five
    mine = Membership.objects.filter(coop=coop)
    assert set(mine.active()) == {rows["member"], rows["steward"]}
    assert set(mine.stewards()) == {rows["steward"]}
    assert set(mine.live()) == {rows["member"], rows["steward"], rows["suspended_steward"], rows["applicant"]}


def test_q_objects_through_a_relation(coop_of_five):
    coop, _rows = coop_of_five
    assert Coop.objects.filter(steward_q("memberships__"), pk=coop.pk).distinct().count() == 1
    assert Coop.objects.filter(active_q("memberships__"), pk=coop.pk).count() == 2  # one row per active member


def test_is_steward_matches_steward_q(coop_of_five):
    _coop, rows = coop_of_five
    for membership in rows.values():
        assert membership.is_steward is Membership.objects.stewards().filter(pk=membership.pk).exists()
    assert rows["member"].is_active and not rows["applicant"].is_active
    assert Membership.steward_state(role=R.STEWARD, status=S.ACTIVE)
    assert not Membership.steward_state(role=R.STEWARD, status=S.SUSPENDED)


def test_participating_counts_recent_actors_and_admitted_subjects():
    coop = CoopFactory()
    worker, admitted, idle = member(coop), member(coop), member(coop)
    suspended = MembershipFactory(coop=coop, status=S.SUSPENDED)
    event_record(type="assignment.submitted", coop=coop, actor=worker.user, subject=("tasks.assignment", 1))
    event_record(type="membership.admitted", coop=coop, actor=UserFactory(), subject=admitted)
    event_record(type="assignment.submitted", coop=coop, actor=suspended.user, subject=("tasks.assignment", 2))
    event_record(type="forum.message_posted", coop=coop, actor=idle.user, subject=("forums.message", 1))
    now = now_us()
    found = Membership.objects.participating(coop=coop, since_us=now - 60_000_000, until_us=now + 1)
    assert set(found) == {worker, admitted}
    # outside the window nobody counts
    assert not Membership.objects.participating(coop=coop, since_us=now + 1, until_us=now + 2).exists()


def test_one_live_membership_per_user():
    first = member()
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(user=first.user, status=S.APPLICANT)
    MembershipFactory(user=first.user, status=S.LEFT, joined_at=timezone.now() - timedelta(days=1))  # history is fine
    assert Membership.objects.filter(user=first.user).count() == 2


def test_str_names_user_coop_and_status():
    membership = member(CoopFactory(name="Coop Tana"))
    assert str(membership) == f"{membership.user} @ Coop Tana (active)"
