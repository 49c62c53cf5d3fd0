"""A HIT after creation: expiry (by its lifetime or by the requester), deletion, more
assignments, review status, and the requester's private blocks and notices."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import Notice
from ledger.selectors import escrow_balance, requester_balance
from tasks import escrow
from tasks.eligibility import project_eligibility
from tasks.models import Project, Slot
from tasks.mturk.jobs import hits_expire_due
from tasks.mturk.models import Hit
from tasks.services import assignment_claim, assignment_return
from tests.mturk.conftest import HTML, member_does_the_work

HIT = dict(Title="Cats", Description="Is there a cat?", Keywords="estimate:2", Reward="0.50", MaxAssignments=2,
           LifetimeInSeconds=3600, AssignmentDurationInSeconds=600, Question=HTML)


def test_an_expired_hit_refunds_its_open_slots_and_takes_no_claim(mturk, world):
    hit = mturk.create_hit(**HIT)["HIT"]
    project = Project.objects.get()
    ann, bob = world["members"][:2]
    held = escrow_balance(project=project)
    claimed = assignment_claim(member=ann, project=project)
    assert hits_expire_due(now=timezone.now()) == 0  # not yet
    assert hits_expire_due(now=timezone.now() + timedelta(hours=2)) == 1
    assert hits_expire_due(now=timezone.now() + timedelta(hours=2)) == 0  # done once
    assert Slot.objects.filter(status="open").count() == 0
    kept = escrow.slot_cost(project=project, slot_id=claimed.slot_id)
    assert escrow_balance(project=project) == kept  # the open slot's reward and fees refunded
    assert held > kept
    with pytest.raises(Exception, match="No task is free"):
        assignment_claim(member=bob, project=project)
    # the member who holds it may give it back: its money goes back to the requester, not to the pool
    before = requester_balance(organisation=world["org"])
    assignment_return(member=ann, assignment=claimed)
    assert Slot.objects.filter(status="open").count() == 0
    assert requester_balance(organisation=world["org"]) == before + kept
    assert escrow_balance(project=project) == 0
    got = mturk.get_hit(HITId=hit["HITId"])["HIT"]
    assert got["NumberOfAssignmentsAvailable"] == 0 and got["HITStatus"] == "Reviewable"


def test_the_requester_ends_extends_and_deletes_hits(mturk, world):
    hit = mturk.create_hit(**HIT)["HIT"]
    later = datetime.now(UTC) + timedelta(days=2)
    mturk.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=later)
    assert abs(mturk.get_hit(HITId=hit["HITId"])["HIT"]["Expiration"] - later) < timedelta(seconds=1)
    project = Project.objects.get()
    member_does_the_work(world["members"][0], project.pk, {"cat": "yes"})
    with pytest.raises(mturk.exceptions.RequestError, match="waiting for review"):
        mturk.delete_hit(HITId=hit["HITId"])
    mturk.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=datetime(2020, 1, 1, tzinfo=UTC))
    assert Slot.objects.filter(status="open").count() == 0
    with pytest.raises(mturk.exceptions.RequestError, match="create a new HIT"):
        mturk.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=later)
    reviewable = mturk.list_reviewable_hits()["HITs"]
    assert [h["HITId"] for h in reviewable] == [hit["HITId"]]
    mturk.update_hit_review_status(HITId=hit["HITId"])
    assert mturk.list_reviewable_hits()["HITs"] == []
    assert mturk.list_reviewable_hits(Status="Reviewing")["NumResults"] == 1
    assignment = mturk.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"][0]
    mturk.approve_assignment(AssignmentId=assignment["AssignmentId"])
    mturk.delete_hit(HITId=hit["HITId"])
    assert mturk.list_hits()["HITs"] == []
    assert escrow_balance(project=project) == 0
    with pytest.raises(mturk.exceptions.RequestError, match="deleted"):
        mturk.delete_hit(HITId=hit["HITId"])


def test_additional_assignments_are_paid_into_escrow_once_per_token(mturk, world):
    hit = mturk.create_hit(**{**HIT, "MaxAssignments": 1})["HIT"]
    project = Project.objects.get()
    held = escrow_balance(project=project)
    for _ in range(2):
        try:
            mturk.create_additional_assignments_for_hit(HITId=hit["HITId"], NumberOfAdditionalAssignments=2,
                                                        UniqueRequestToken="more-please")
        except mturk.exceptions.RequestError as exc:
            assert "more-please" in str(exc)
    got = mturk.get_hit(HITId=hit["HITId"])["HIT"]
    assert got["MaxAssignments"] == 3 and got["NumberOfAssignmentsAvailable"] == 3
    project.refresh_from_db()
    assert escrow_balance(project=project) == project.escrow_held >= held + 2 * 50  # once: rewards and fees
    assert project.holds == 2
    for user in world["members"]:
        member_does_the_work(user, project.pk, {"cat": "yes"})
    assert mturk.list_assignments_for_hit(HITId=hit["HITId"])["NumResults"] == 3


def test_a_block_is_private_and_keeps_the_member_from_that_requesters_work(mturk, world):
    hit = mturk.create_hit(**HIT)["HIT"]
    project = Project.objects.get()
    ann = world["members"][0]
    member_does_the_work(ann, project.pk, {"cat": "yes"})
    worker = mturk.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"][0]["WorkerId"]
    mturk.create_worker_block(WorkerId=worker, Reason="Answers at random.")
    assert mturk.list_worker_blocks()["WorkerBlocks"] == [{"WorkerId": worker, "Reason": "Answers at random."}]
    reasons = project_eligibility(member=ann, project=project)
    assert [r["code"] for r in reasons] == ["not_offered"]
    assert world["org"].name not in reasons[0]["message"]
    assert not Notice.objects.filter(user=ann, kind__icontains="block").exists()
    mturk.delete_worker_block(WorkerId=worker)
    assert project_eligibility(member=ann, project=project) == []
    with pytest.raises(mturk.exceptions.RequestError, match="No worker"):
        mturk.create_worker_block(WorkerId="AWNOBODY", Reason="x")


def test_notify_workers_sends_private_notices_within_a_limit(mturk, world):
    hit = mturk.create_hit(**HIT)["HIT"]
    member_does_the_work(world["members"][0], Project.objects.get().pk, {"cat": "yes"})
    worker = mturk.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"][0]["WorkerId"]
    out = mturk.notify_workers(Subject="Batch 2", MessageText="Batch 2 opens Monday.", WorkerIds=[worker, "AWX"])
    assert out["NotifyWorkersFailureStatuses"] == [{
        "NotifyWorkersFailureCode": "HardFailure", "WorkerId": "AWX",
        "NotifyWorkersFailureMessage": "No such worker has worked for you."}]
    notice = Notice.objects.get(user=world["members"][0], kind="requester_message")
    assert "Batch 2 opens Monday." in notice.text and world["org"].name in notice.text
    for _ in range(9):
        mturk.notify_workers(Subject="Again", MessageText="Hello.", WorkerIds=[worker])
    with pytest.raises(mturk.exceptions.RequestError, match="an hour"):
        mturk.notify_workers(Subject="Again", MessageText="Hello.", WorkerIds=[worker])
    assert Hit.objects.count() == 1
