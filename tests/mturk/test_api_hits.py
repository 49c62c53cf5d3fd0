"""The HIT, assignment, bonus and worker operations (tasks/mturk/api/hits.py), called as the
endpoint calls them (the signing key and the request's parameters): each answers the dict of
its response, and a missing or malformed parameter is a RequestError naming it."""

import pytest

from accounts.models import Notice
from tasks.mturk import ids
from tasks.mturk.api import hits as api
from tasks.mturk.models import Hit
from tasks.mturk.protocol import MturkError
from tasks.services import assignment_claim
from tests.mturk.conftest import HIT_PARAMS

pytestmark = pytest.mark.django_db


def test_create_get_and_list_hits(world):
    created = api.create_hit(world["key"], dict(HIT_PARAMS))["HIT"]
    assert created["HITStatus"] == "Assignable" and created["Reward"] == "0.50"
    assert api.get_hit(world["key"], {"HITId": created["HITId"]})["HIT"]["HITId"] == created["HITId"]
    second = api.create_hit(world["key"], {**HIT_PARAMS, "Title": "Dogs"})["HIT"]
    page = api.list_hits(world["key"], {"MaxResults": 1})
    assert [h["HITId"] for h in page["HITs"]] == [second["HITId"]] and page["NumResults"] == 1
    rest = api.list_hits(world["key"], {"MaxResults": 1, "NextToken": page["NextToken"]})
    assert [h["HITId"] for h in rest["HITs"]] == [created["HITId"]] and "NextToken" not in rest


def test_a_hit_type_then_hits_with_it(world):
    type_id = api.create_hit_type(world["key"], dict(HIT_PARAMS))["HITTypeId"]
    params = {"HITTypeId": type_id, "Question": HIT_PARAMS["Question"], "LifetimeInSeconds": 600}
    hit = api.create_hit_with_hit_type(world["key"], params)["HIT"]
    assert hit["HITTypeId"] == type_id
    with pytest.raises(MturkError) as info:
        api.create_hit_with_hit_type(world["key"], {**params, "HITTypeId": "NOPE"})
    assert info.value.code == "AWS.MechanicalTurk.HITTypeDoesNotExist"


@pytest.mark.parametrize(("operation", "params", "message"), [
    (api.get_hit, {}, "HITId is required"),
    (api.get_hit, {"HITId": 12}, "HITId must be a string"),
    (api.list_bonus_payments, {}, "Give either HITId or AssignmentId"),
    (api.list_bonus_payments, {"HITId": "a", "AssignmentId": "b"}, "Give either HITId or AssignmentId"),
    (api.list_reviewable_hits, {"Status": "Assignable"}, "Status is Reviewable or Reviewing"),
    (api.notify_workers, {"WorkerIds": []}, "WorkerIds lists 1 to 100 workers"),
    (api.update_expiration_for_hit, {"HITId": "NOPE"}, "does not exist"),
])
def test_bad_parameters_are_named(world, operation, params, message):
    with pytest.raises(MturkError, match=message):
        operation(world["key"], params)


def test_review_status_and_reviewable_hits(world, hit):
    with pytest.raises(MturkError, match="Revert must be true or false"):
        api.update_hit_review_status(world["key"], {"HITId": hit.code, "Revert": "no"})
    api.update_expiration_for_hit(world["key"], {"HITId": hit.code, "ExpireAt": 0})  # ended now: Reviewable
    assert [h["HITId"] for h in api.list_reviewable_hits(world["key"], {})["HITs"]] == [hit.code]
    api.update_hit_review_status(world["key"], {"HITId": hit.code, "Revert": False})
    assert api.list_reviewable_hits(world["key"], {})["HITs"] == []
    assert [h["HITId"] for h in api.list_reviewable_hits(world["key"], {"Status": "Reviewing"})["HITs"]] == [hit.code]


def test_assignments_of_a_hit_are_listed_once_submitted(world, hit):
    with pytest.raises(MturkError, match="AssignmentStatuses"):
        api.list_assignments_for_hit(world["key"], {"HITId": hit.code, "AssignmentStatuses": ["Claimed"]})
    claimed = assignment_claim(member=world["members"][0], project=hit.project)
    assert api.list_assignments_for_hit(world["key"], {"HITId": hit.code})["NumResults"] == 0  # not submitted
    with pytest.raises(MturkError) as info:
        api.get_assignment(world["key"], {"AssignmentId": ids.assignment_code(claimed.pk)})
    assert info.value.code == "AWS.MechanicalTurk.AssignmentDoesNotExist"


def test_blocks_by_worker_id_and_notices_to_workers(world, hit):
    worker = world["members"][0]
    assignment_claim(member=worker, project=hit.project)
    code = ids.worker_code(user=worker, organisation=world["org"].pk)
    api.create_worker_block(world["key"], {"WorkerId": code, "Reason": "sloppy"})
    assert api.list_worker_blocks(world["key"], {})["WorkerBlocks"] == [{"WorkerId": code, "Reason": "sloppy"}]
    api.delete_worker_block(world["key"], {"WorkerId": code})
    assert api.list_worker_blocks(world["key"], {})["NumResults"] == 0
    stranger = ids.worker_code(user=world["members"][1], organisation=world["org"].pk)
    with pytest.raises(MturkError) as info:
        api.create_worker_block(world["key"], {"WorkerId": stranger})
    assert info.value.code == "AWS.MechanicalTurk.WorkerDoesNotExist"
    answer = api.notify_workers(world["key"], {"WorkerIds": [code, stranger], "Subject": "Hello",
                                               "MessageText": "More work tomorrow."})
    assert [f["WorkerId"] for f in answer["NotifyWorkersFailureStatuses"]] == [stranger]
    assert Notice.objects.filter(user=worker, kind="requester_message").count() == 1
    assert not Notice.objects.filter(user=world["members"][1]).exists()


def test_delete_and_more_assignments(world, hit):
    api.create_additional_assignments_for_hit(world["key"], {"HITId": hit.code, "NumberOfAdditionalAssignments": 1})
    assert Hit.objects.get(pk=hit.pk).max_assignments == 3
    api.delete_hit(world["key"], {"HITId": hit.code})
    with pytest.raises(MturkError, match="was deleted"):
        api.delete_hit(world["key"], {"HITId": hit.code})
    assert api.list_hits(world["key"], {})["NumResults"] == 0
    assert api.get_account_balance(world["key"], {})["OnHoldBalance"] == "0.00"
