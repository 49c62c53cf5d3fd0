from datetime import timedelta

import pytest
from django.utils import timezone

from coop.eventlog.models import Event
from coop.federation.models import Membership
from tasks.errors import FairShareReached, InvalidState, NoFreeSlot, NotEligible, OpenCapReached
from tasks.models import Assignment, DataConsent, Project, Slot
from tasks.services import assignment_claim, assignment_return, data_consent_give, fair_share_cap
from tests.factories import CoopFactory, member, open_project

pytestmark = pytest.mark.django_db


def test_assignment_claim_takes_a_free_slot_and_records_the_event():
    coop = CoopFactory()
    worker = member(coop).user
    project = open_project(coop, tasks=2)
    assignment = assignment_claim(member=worker, project=project)
    assert assignment.status == "claimed" and assignment.member == worker
    assert assignment.deadline_at == assignment.claimed_at + timedelta(minutes=30)
    assert assignment.slot.status == Slot.Status.TAKEN
    event = Event.objects.get(type="assignment.claimed")
    assert event.payload_json["organisation"] == project.organisation_id
    assert event.payload_json["assignment"] == assignment.pk and event.coop_id == coop.pk


def test_assignment_claim_never_gives_the_same_task_twice():
    coop = CoopFactory()
    worker = member(coop).user
    project = open_project(coop, tasks=1, assignments_per_task=3)
    assignment_claim(member=worker, project=project)
    with pytest.raises(NoFreeSlot):
        assignment_claim(member=worker, project=project)
    assert Assignment.objects.count() == 1
    assert Slot.objects.filter(status="open").count() == 2


def test_assignment_claim_refuses_a_full_project():
    coop = CoopFactory()
    project = open_project(coop, tasks=1)
    assignment_claim(member=member(coop).user, project=project)
    late = member(coop).user
    with pytest.raises(NoFreeSlot):
        assignment_claim(member=late, project=project)
    assert Assignment.objects.filter(member=late).count() == 0


def test_assignment_claim_refuses_over_the_open_cap():
    coop = CoopFactory(params={"max_open_assignments": 2})
    worker = member(coop).user
    project = open_project(coop, tasks=5)
    assignment_claim(member=worker, project=project)
    assignment_claim(member=worker, project=project)
    with pytest.raises(OpenCapReached) as info:
        assignment_claim(member=worker, project=project)
    assert info.value.code == "open_assignments_cap"
    assert Assignment.objects.filter(member=worker).count() == 2


def test_assignment_claim_refuses_a_non_member_and_another_coops_member():
    coop = CoopFactory()
    project = open_project(coop)
    outsider = member(CoopFactory()).user
    with pytest.raises(NotEligible):
        assignment_claim(member=outsider, project=project)
    applicant = member(coop, status=Membership.Status.APPLICANT).user
    with pytest.raises(NotEligible):
        assignment_claim(member=applicant, project=project)
    assert Assignment.objects.count() == 0


def test_assignment_claim_refuses_a_paused_project():
    coop = CoopFactory()
    project = open_project(coop)
    Project.objects.filter(pk=project.pk).update(status=Project.Status.PAUSED)
    with pytest.raises(InvalidState):
        assignment_claim(member=member(coop).user, project=project)
    assert Assignment.objects.count() == 0


def test_assignment_claim_respects_the_fair_share_during_the_window_only():
    coop = CoopFactory()
    worker = member(coop).user
    project = open_project(coop, tasks=4, fair_share_cap=2)
    assignment_claim(member=worker, project=project)
    assignment_claim(member=worker, project=project)
    with pytest.raises(FairShareReached):
        assignment_claim(member=worker, project=project)
    later = timezone.now() + timedelta(minutes=61)
    assert assignment_claim(member=worker, project=project, now=later).status == "claimed"


def test_returned_work_does_not_count_against_the_fair_share_and_reopens_the_slot():
    coop = CoopFactory()
    worker = member(coop).user
    project = open_project(coop, tasks=3, fair_share_cap=1)
    first = assignment_claim(member=worker, project=project)
    assignment_return(member=worker, assignment=first)
    assert Slot.objects.get(pk=first.slot_id).status == "open"
    second = assignment_claim(member=worker, project=project)
    assert second.task_id != first.task_id  # the returned task stays given back (unique task, member)


def test_fair_share_cap_is_ceil_of_slots_over_members():
    assert fair_share_cap(slots=10, eligible_members=50) == 1
    assert fair_share_cap(slots=10, eligible_members=3) == 4
    assert fair_share_cap(slots=9, eligible_members=3) == 3
    assert fair_share_cap(slots=5, eligible_members=0) == 5


def test_flagged_project_needs_consent_before_a_claim():
    coop = CoopFactory()
    worker = member(coop).user
    project = open_project(coop, data_flags=["personal_data"])
    with pytest.raises(NotEligible) as info:
        assignment_claim(member=worker, project=project)
    assert info.value.extra["reasons"][0]["code"] == "data_consent"
    data_consent_give(member=worker, project=project)
    assert DataConsent.objects.filter(member=worker, project=project).exists()
    assert assignment_claim(member=worker, project=project).status == "claimed"


def test_banned_data_category_blocks_even_with_consent():
    coop = CoopFactory(params={"banned_data_categories": ["adult_content"]})
    worker = member(coop).user
    project = open_project(coop, data_flags=["adult_content"])
    data_consent_give(member=worker, project=project)
    with pytest.raises(NotEligible) as info:
        assignment_claim(member=worker, project=project)
    assert info.value.extra["reasons"][0]["code"] == "banned_data_category"


# Claims at once in threads (fifty members for ten slots; one member tapping many times against
# the open cap and the fair share): tests/tasks/test_claim_in_database.py, on both claim paths.


def test_a_rulebook_number_remembered_for_a_coop_that_has_no_such_version_is_forgotten():
    """The process's memory of the rulebook in force (`in_force_guess`, for the claim's database
    function) names a version the coop does not have (ids reused after a restore, or between
    tests): it answers None, and the claim takes the Python path, instead of "no rulebook"."""
    from tasks.services import claiming

    coop = CoopFactory()
    project = open_project(coop, tasks=1)
    worker = member(coop).user
    claiming._IN_FORCE[coop.pk] = 99
    assert claiming.in_force_guess(coop.pk) is None
    assert coop.pk not in claiming._IN_FORCE
    claiming._IN_FORCE[coop.pk] = 99
    assert assignment_claim(member=worker, project=project).status == "claimed"
