from datetime import timedelta

import pytest
from django.utils import timezone

from coop.eventlog.models import Event
from coop.federation.selectors import PARTICIPATION_EVENT_TYPES
from tasks import jobs
from tasks.errors import InvalidState, NotYours
from tasks.models import Assignment, Slot
from tasks.services import (
    assignment_claim,
    assignment_draft_save,
    assignment_expire,
    assignment_return,
    assignment_submit,
)
from tests.factories import CoopFactory, member, open_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def claimed():
    coop = CoopFactory()
    worker = member(coop).user
    project = open_project(coop, tasks=2)
    return assignment_claim(member=worker, project=project)


def test_assignment_submit_records_answers_time_spent_and_a_participation_event(claimed):
    later = claimed.claimed_at + timedelta(minutes=3, seconds=5)
    done = assignment_submit(member=claimed.member, assignment=claimed, answers={"label": "yes"}, now=later)
    assert done.status == "submitted" and done.answers == {"label": "yes"}
    assert done.time_spent_seconds == 185 and done.submitted_at == later
    event = Event.objects.get(type="assignment.submitted")
    assert "assignment.submitted" in PARTICIPATION_EVENT_TYPES
    assert event.actor_id == claimed.member_id and event.payload_json["seconds"] == 185


# A submission refused (someone else's, after expiry, bad answers, twice): the same errors and
# nothing written, on both paths: tests/tasks/test_claim_in_database.py.


def test_draft_is_kept_on_the_server_and_cleared_on_submit(claimed):
    assignment_draft_save(member=claimed.member, assignment=claimed, draft={"note": "half", "junk": "x"})
    assert Assignment.objects.get(pk=claimed.pk).draft == {"note": "half"}
    with pytest.raises(NotYours):
        assignment_draft_save(member=member(claimed.project.coop).user, assignment=claimed, draft={"note": "x"})
    assignment_submit(member=claimed.member, assignment=claimed, answers={"label": "yes", "note": "half"})
    assert Assignment.objects.get(pk=claimed.pk).draft is None


def test_assignment_return_reopens_the_slot_and_only_once(claimed):
    assignment_return(member=claimed.member, assignment=claimed)
    assert Slot.objects.get(pk=claimed.slot_id).status == "open"
    assert Assignment.objects.get(pk=claimed.pk).status == "returned"
    with pytest.raises(InvalidState):
        assignment_return(member=claimed.member, assignment=claimed)
    assert Event.objects.filter(type="assignment.returned").count() == 1


def test_expiry_job_reopens_slots_once_and_leaves_live_work_alone(claimed):
    other = assignment_claim(member=member(claimed.project.coop).user, project=claimed.project)
    assert jobs.expire_due() == 0
    Assignment.objects.filter(pk=claimed.pk).update(deadline_at=timezone.now() - timedelta(minutes=1))
    assert jobs.expire_due() == 1
    assert jobs.expire_due() == 0  # run twice: nothing more
    assert Assignment.objects.get(pk=claimed.pk).status == "expired"
    assert Slot.objects.get(pk=claimed.slot_id).status == "open"
    assert Assignment.objects.get(pk=other.pk).status == "claimed"
    assert assignment_expire(assignment_id=other.pk) is False
