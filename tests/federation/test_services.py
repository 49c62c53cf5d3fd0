"""Coops, memberships and rulebooks through their services: each records its event."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Notice
from coop.core.errors import DomainError
from coop.eventlog.models import Event
from coop.federation import selectors, services
from coop.federation.models import Membership
from tests.factories import CoopFactory, MembershipFactory, UserFactory, member, operator, steward

pytestmark = pytest.mark.django_db


def test_membership_apply_records_and_tells_the_stewards():
    coop = CoopFactory()
    boss = steward(coop)
    user = UserFactory()
    membership = services.membership_apply(user=user, coop=coop, statement="I label images carefully.")
    assert membership.status == "applicant"
    assert Event.objects.filter(type="membership.applied", subject_id=str(membership.pk)).count() == 1
    assert Notice.objects.get(user=boss.user).link == "/steward/applications/"


@pytest.mark.parametrize("statement", ["", "   ", "too short"])
def test_membership_apply_needs_a_statement(statement):
    user = UserFactory()
    with pytest.raises(DomainError) as info:
        services.membership_apply(user=user, coop=CoopFactory(), statement=statement)
    assert info.value.code == "statement_required"
    assert not Membership.objects.filter(user=user).exists()


def test_membership_apply_twice_is_refused():
    existing = member()
    with pytest.raises(DomainError) as info:
        services.membership_apply(user=existing.user, coop=CoopFactory(), statement="Another coop, please.")
    assert info.value.code == "already_member" and info.value.status == 409
    assert Membership.objects.filter(user=existing.user).count() == 1


def test_one_live_membership_per_user_is_a_database_constraint():
    existing = member()
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(user=existing.user, status=Membership.Status.APPLICANT)


def test_after_leaving_or_being_declined_a_person_may_apply_again():
    mine = member()
    services.membership_leave(user=mine.user)
    again = services.membership_apply(user=mine.user, coop=CoopFactory(), statement="A new start elsewhere.")
    assert again.status == "applicant"
    assert selectors.membership_live(user=mine.user) == again


def test_admit_needs_a_steward_of_that_coop():
    application = MembershipFactory(status=Membership.Status.APPLICANT)
    other_steward = steward(CoopFactory())
    with pytest.raises(DomainError) as info:
        services.membership_admit(steward=other_steward.user, membership=application)
    assert info.value.code == "not_a_steward" and info.value.status == 403
    application.refresh_from_db()
    assert application.status == "applicant"


def test_admit_twice_is_an_invalid_transition():
    coop = CoopFactory()
    boss = steward(coop)
    application = MembershipFactory(coop=coop, status=Membership.Status.APPLICANT)
    services.membership_admit(steward=boss.user, membership=application)
    with pytest.raises(DomainError) as info:
        services.membership_admit(steward=boss.user, membership=application)
    assert info.value.code == "invalid_transition"
    assert Event.objects.filter(type="membership.admitted").count() == 1


def test_suspend_stores_the_article_of_the_version_in_force_and_tells_the_member():
    coop = CoopFactory()
    boss, target = steward(coop), member(coop)
    services.membership_suspend(steward=boss.user, membership=target, article_number="2",
                                reason="Threatened a requester in the forum.")
    target.refresh_from_db()
    assert target.status == "suspended" and target.status_article.number == 2
    assert target.status_article.rulebook.number == 1 and target.rulebook_version == 1
    assert target.status_changed_at is not None and target.status_changed_by == boss.user
    notice = Notice.objects.get(user=target.user, kind="sanction")
    assert "article 2 (Conduct)" in notice.text and "Threatened a requester" in notice.text


def test_suspend_cites_only_articles_of_the_version_in_force():
    coop = CoopFactory()
    boss, target = steward(coop), member(coop)
    params = selectors.rulebook_in_force(coop=coop).parameters
    services.rulebook_version_create(coop=coop, parameters=params, articles=[(1, "Only", "One article left.")])
    with pytest.raises(DomainError) as info:
        services.membership_suspend(steward=boss.user, membership=target, article_number=2,
                                    reason="Threatened a requester in the forum.")
    assert info.value.code == "unknown_article" and info.value.extra["version"] == 2
    target.refresh_from_db()
    assert target.status == "active"


def test_suspend_without_a_reason_is_refused():
    coop = CoopFactory()
    boss, target = steward(coop), member(coop)
    with pytest.raises(DomainError) as info:
        services.membership_suspend(steward=boss.user, membership=target, article_number=2, reason="bad")
    assert info.value.code == "reason_required"


def test_a_suspended_steward_cannot_act():
    coop = CoopFactory()
    boss = steward(coop, status=Membership.Status.SUSPENDED)
    application = MembershipFactory(coop=coop, status=Membership.Status.APPLICANT)
    with pytest.raises(DomainError):
        services.membership_admit(steward=boss.user, membership=application)


def test_leave_keeps_the_login_and_records():
    mine = member()
    services.membership_leave(user=mine.user)
    mine.refresh_from_db()
    assert mine.status == "left" and mine.user.is_active
    assert Event.objects.filter(type="membership.left").count() == 1
    with pytest.raises(DomainError) as info:
        services.membership_leave(user=mine.user)
    assert info.value.code == "no_membership"


def test_rulebook_version_create_refuses_out_of_bound_parameters():
    coop = CoopFactory()
    params = dict(selectors.rulebook_in_force(coop=coop).parameters, floor_hourly_rate=100)
    with pytest.raises(DomainError) as info:
        services.rulebook_version_create(coop=coop, parameters=params, articles=[(1, "A", "B")])
    assert "floor_hourly_rate" in info.value.extra["parameters"]
    assert coop.rulebooks.count() == 1


def test_rulebook_version_create_refuses_duplicate_article_numbers():
    coop = CoopFactory()
    params = selectors.rulebook_in_force(coop=coop).parameters
    with pytest.raises(DomainError) as info:
        services.rulebook_version_create(coop=coop, parameters=params, articles=[(1, "A", "B"), (1, "C", "D")])
    assert info.value.code == "duplicate_article"


def test_rulebook_in_force_follows_effective_dates():
    coop = CoopFactory()
    params = dict(selectors.rulebook_in_force(coop=coop).parameters, floor_hourly_rate=1500)
    tomorrow = timezone.now() + timedelta(days=1)
    services.rulebook_version_create(coop=coop, parameters=params, articles=[(1, "A", "B")], effective_at=tomorrow)
    assert selectors.rulebook_in_force(coop=coop).version == 1
    later = selectors.rulebook_in_force(coop=coop, at=tomorrow + timedelta(seconds=1))
    assert later.version == 2 and later["floor_hourly_rate"] == 1500
    assert Event.objects.filter(type="rulebook.adopted", coop=coop).count() == 1
    with pytest.raises(DomainError) as info:
        selectors.rulebook_in_force(coop=coop, at=timezone.now() - timedelta(days=3650))
    assert info.value.code == "no_rulebook"


def test_rulebook_fraction_reads_exactly():
    from fractions import Fraction

    assert selectors.rulebook_in_force(coop=CoopFactory())["supermajority"] == "2/3"
    assert selectors.rulebook_in_force(coop=CoopFactory()).fraction("supermajority") == Fraction(2, 3)


def test_coop_create_is_for_the_operator_only():
    services.federation_setup(name="F", currency="USD")
    with pytest.raises(DomainError) as info:
        services.coop_create(operator=steward().user, name="Mine", slug="mine")
    assert info.value.code == "operator_only"


def test_coop_create_refuses_a_bad_slug():
    services.federation_setup(name="F", currency="USD")
    with pytest.raises(DomainError) as info:
        services.coop_create(operator=operator(), name="Mine", slug="Has Spaces")
    assert info.value.code == "invalid_slug"


def test_members_participating_counts_work_votes_and_joining_within_the_window():
    from coop.eventlog.services import event_record, now_us

    coop = CoopFactory()
    boss = steward(coop)
    fresh = services.membership_admit(steward=boss.user, membership=MembershipFactory(
        coop=coop, status=Membership.Status.APPLICANT, joined_at=None))
    worker, voter, idle, old = member(coop), member(coop), member(coop), member(coop)
    event_record(type="assignment.submitted", coop=coop, actor=worker.user, subject=("tasks.assignment", 1))
    event_record(type="ballot.cast", coop=coop, actor=voter.user, subject=("governance.ballot", 1))
    long_ago = now_us() - 61 * 86400 * 1_000_000
    event_record(type="assignment.submitted", coop=coop, actor=old.user, subject=("tasks.assignment", 2),
                 occurred_at=long_ago)
    participating = set(selectors.members_participating(coop=coop))
    assert {fresh, worker, voter} <= participating
    assert idle not in participating and old not in participating
