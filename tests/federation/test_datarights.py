"""coop/federation/datarights.py: a member's memberships in their export, and their erasure
(a live membership is left, with its event; statements become the tombstone)."""

import pytest

from coop.eventlog.models import Event
from coop.federation.datarights import membership_rows, membership_subjects, memberships_erase
from coop.federation.models import Membership
from tests.factories import CoopFactory, MembershipFactory, UserFactory, member

pytestmark = pytest.mark.django_db


def test_membership_rows_lists_every_membership_in_order():
    old = MembershipFactory(status=Membership.Status.LEFT, statement="Years ago.", coop=CoopFactory(name="Old"))
    live = member(CoopFactory(name="New"), user=old.user)
    rows = membership_rows(user=old.user)
    assert [(r["membership"], r["coop"], r["status"]) for r in rows] == [
        (old.pk, "Old", "left"), (live.pk, "New", "active")]
    assert rows[0]["statement"] == "Years ago." and rows[1]["status_article"] is None
    assert membership_rows(user=UserFactory()) == []


def test_memberships_erase_leaves_the_live_one_and_tombstones_statements():
    membership = member(statement="I sew shirts in Antsirabe.")
    memberships_erase(user=membership.user, tombstone="[erased]")
    membership.refresh_from_db()
    assert membership.status == Membership.Status.LEFT
    assert membership.statement == "[erased]"
    assert Event.objects.filter(type="membership.left", subject_id=str(membership.pk)).count() == 1


def test_memberships_erase_without_a_live_membership_records_nothing():
    gone = MembershipFactory(status=Membership.Status.LEFT, statement="")
    memberships_erase(user=gone.user, tombstone="[erased]")
    gone.refresh_from_db()
    assert gone.statement == ""  # nothing to replace
    assert not Event.objects.filter(type="membership.left").exists()


def test_membership_subjects():
    membership = member()
    assert membership_subjects(user=membership.user) == [("federation.membership", membership.pk)]
