"""HIT types and HITs (tasks/mturk/services/hits.py): settings read from MTurk's parameters and
checked against the coop's floor, one HIT type per set of settings, a HIT as a task of the type's
open project paid into escrow at once, and every refusal a RequestError that creates nothing."""

import pytest

from coop.eventlog.models import Event
from ledger.selectors import escrow_balance
from tasks.models import Project, Slot
from tasks.mturk import services
from tasks.mturk.models import Hit, HitType, RequesterDefaults, WorkerBlock
from tasks.mturk.protocol import MturkError
from tests.mturk.conftest import HIT_PARAMS

pytestmark = pytest.mark.django_db


def test_hit_type_settings_read_mturks_parameters(world):
    found = services.hit_type_settings(organisation=world["org"], params=dict(HIT_PARAMS))
    assert (found["title"], found["reward"], found["keywords"], found["estimated_minutes"]) == (
        "Cats", 50, "animals", 2)
    assert found["coop"] == world["coop"] and found["auto_approval_delay_seconds"] == 3 * 24 * 3600
    without_estimate = services.hit_type_settings(organisation=world["org"],
                                                  params={**HIT_PARAMS, "Keywords": "", "Reward": "2.00"})
    assert without_estimate["estimated_minutes"] == 10  # the whole assignment duration: the safe reading


@pytest.mark.parametrize(("change", "message"), [
    ({"Title": ""}, "Title is required"),
    ({"Description": " "}, "Description is required"),
    ({"Reward": "0"}, "Reward must be above zero"),
    ({"Reward": "lots"}, "Reward:"),
    ({"Keywords": "estimate:soon"}, "whole number of minutes"),
    ({"Keywords": "estimate:11"}, "between 1 and the assignment duration"),
    ({"Reward": "0.10"}, "below the floor"),
])
def test_hit_type_settings_refuse_bad_parameters(world, change, message):
    with pytest.raises(MturkError, match=message):
        services.hit_type_settings(organisation=world["org"], params={**HIT_PARAMS, **change})


def test_below_the_floor_names_the_minimum_reward(world):
    with pytest.raises(MturkError) as info:
        services.hit_type_settings(organisation=world["org"], params={**HIT_PARAMS, "Reward": "0.30"})
    assert info.value.code == "Atelier.BelowFloorRate"
    assert "raise the Reward to at least 0.40" in info.value.message.replace("$", "")


def test_the_same_settings_give_the_same_hit_type_once(world):
    first = services.hit_type_create(key=world["key"], params=dict(HIT_PARAMS))
    again = services.hit_type_create(key=world["key"], params=dict(HIT_PARAMS))
    other = services.hit_type_create(key=world["key"], params={**HIT_PARAMS, "Title": "Dogs"})
    assert first == again != other
    assert Event.objects.filter(type="mturk.hit_type_created").count() == 2


def test_a_hit_is_a_task_of_its_types_open_project_paid_at_once(world, hit):
    project = hit.project
    assert project.status == Project.Status.OPEN and project.assignments_per_task == 2
    assert Slot.objects.filter(task=hit.task, status=Slot.Status.OPEN).count() == 2
    assert escrow_balance(project=project) == 2 * 50 + project.fee
    second = services.hit_create(key=world["key"], params=dict(HIT_PARAMS))
    assert second.project == project and second.task != hit.task  # the same type's project takes it


@pytest.mark.parametrize(("change", "code"), [
    ({"HITLayoutId": "abc"}, "Atelier.NotSupported"),
    ({"AssignmentReviewPolicy": {"PolicyName": "x"}}, "Atelier.NotSupported"),
    ({"MaxAssignments": 0}, "AWS.MechanicalTurk.InvalidParameterValue"),
    ({"MaxAssignments": True}, "AWS.MechanicalTurk.InvalidParameterValue"),
    ({"RequesterAnnotation": "x" * 2001}, "AWS.MechanicalTurk.InvalidParameterValue"),
    ({"UniqueRequestToken": ""}, "AWS.MechanicalTurk.InvalidParameterValue"),
])
def test_hit_create_refusals_create_nothing(world, change, code):
    with pytest.raises(MturkError) as info:
        services.hit_create(key=world["key"], params={**HIT_PARAMS, **change})
    assert info.value.code == code
    assert not Hit.objects.exists() and not Project.objects.exists()


def test_a_unique_request_token_makes_one_hit(world):
    services.hit_create(key=world["key"], params={**HIT_PARAMS, "UniqueRequestToken": "batch-1"})
    with pytest.raises(MturkError) as info:
        services.hit_create(key=world["key"], params={**HIT_PARAMS, "UniqueRequestToken": "batch-1"})
    assert info.value.code == "AWS.MechanicalTurk.HitAlreadyExists"
    assert Hit.objects.count() == 1 and HitType.objects.count() == 1


def test_rejection_reason_from_a_prefix_the_default_or_the_first_published(world):
    org, coop = world["org"], world["coop"]
    assert services.rejection_reason_for(organisation=org, coop=coop, feedback="[reason:Spam] all blank") == (
        "spam", "all blank")
    assert services.rejection_reason_for(organisation=org, coop=coop, feedback=" Missed the total. ") == (
        "instructions_not_followed", "Missed the total.")
    RequesterDefaults.objects.create(organisation=org, rejection_reason="incomplete")
    assert services.rejection_reason_for(organisation=org, coop=coop, feedback="")[0] == "incomplete"


def test_worker_block_and_unblock_record_private_events(world):
    member = world["members"][0]
    block = services.worker_block(key=world["key"], member=member, reason="sloppy")
    assert services.worker_block(key=world["key"], member=member).pk == block.pk  # blocked once
    assert services.worker_unblock(key=world["key"], member=member) is True
    assert services.worker_unblock(key=world["key"], member=member) is False
    assert not WorkerBlock.objects.exists()
    events = Event.objects.filter(type__in=["mturk.worker_blocked", "mturk.worker_unblocked"])
    # private: the organisation and who acted for it, never the member blocked
    assert [e.payload_json for e in events] == [{"actor": world["key"].created_by_id,
                                                 "organisation": world["org"].pk}] * 2
