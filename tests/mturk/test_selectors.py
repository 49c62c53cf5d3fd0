"""Reads of the MTurk-compatible API (tasks/mturk/selectors.py): Atelier's rows in the shapes of
botocore's model, a HIT's status as MTurk names it, pages by MaxResults and NextToken, and a HIT
or worker of another organisation not found."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.test import RequestFactory
from django.utils import timezone

from tasks.mturk import ids, selectors
from tasks.mturk.models import Hit
from tasks.mturk.protocol import MturkError
from tasks.mturk.services import hit_create
from tasks.services import assignment_claim
from tests.factories import organisation
from tests.mturk.conftest import HIT_PARAMS

pytestmark = pytest.mark.django_db


def test_account_balance_shows_available_and_held_money(world, hit):
    balance = selectors.account_balance(organisation=world["org"])
    held = 100 + hit.project.fee
    assert balance == {"AvailableBalance": selectors.money(100_000 - held), "OnHoldBalance": selectors.money(held)}
    assert selectors.money(1234) == "12.34"


def test_hit_out_in_the_models_shape(world, hit):
    out = selectors.hit_out(selectors.hit_for(organisation=world["org"], code=hit.code))
    assert (out["HITId"], out["Title"], out["Reward"], out["MaxAssignments"]) == (hit.code, "Cats", "0.50", 2)
    assert (out["HITStatus"], out["NumberOfAssignmentsAvailable"], out["NumberOfAssignmentsPending"]) == (
        "Assignable", 2, 0)
    assert "RequesterAnnotation" not in out


def test_hit_for_another_organisation_does_not_exist(world, hit):
    with pytest.raises(MturkError) as info:
        selectors.hit_for(organisation=organisation(), code=hit.code)
    assert info.value.code == "AWS.MechanicalTurk.HITDoesNotExist"


@pytest.mark.parametrize(("fields", "status"), [
    ({"deleted_at": timezone.now()}, "Disposed"),
    ({"open_slots": 1}, "Assignable"),
    ({"open_slots": 1, "project_status": "paused", "pending": 1}, "Unassignable"),
    ({"open_slots": 1, "expired": True}, "Reviewable"),
    ({"reviewing": True}, "Reviewing"),
])
def test_hit_status_as_mturk_names_it(fields, status):
    now = timezone.now()
    hit = SimpleNamespace(deleted_at=fields.get("deleted_at"), open_slots=fields.get("open_slots", 0),
                          pending=fields.get("pending", 0), reviewing=fields.get("reviewing", False),
                          expires_at=now - timedelta(1) if fields.get("expired") else now + timedelta(1),
                          project=SimpleNamespace(status=fields.get("project_status", "open")))
    assert selectors.hit_status(hit, now) == status


def test_pages_by_max_results_and_next_token(world, hit):
    more = [hit_create(key=world["key"], params={**HIT_PARAMS, "Title": f"Cats {n}"}) for n in range(2)]
    qs = Hit.objects.filter(organisation=world["org"])
    first, token = selectors.page(qs, {"MaxResults": 2})
    assert [h.pk for h in first] == [hit.pk, more[0].pk] and token == str(more[0].pk)
    rest, token = selectors.page(qs, {"MaxResults": 2, "NextToken": str(more[0].pk)})
    assert [h.pk for h in rest] == [more[1].pk] and token is None
    newest, _token = selectors.page(qs, {"MaxResults": 1}, order="-pk")
    assert newest == [more[1]]
    for bad in ({"MaxResults": 0}, {"MaxResults": 101}, {"MaxResults": "5"}, {"NextToken": "abc"}):
        with pytest.raises(MturkError):
            selectors.page(qs, bad)


def test_worker_for_finds_only_members_who_worked_for_the_organisation(world, hit):
    worker = world["members"][0]
    assignment_claim(member=worker, project=hit.project)
    code = ids.worker_code(user=worker, organisation=world["org"].pk)
    assert selectors.worker_for(organisation=world["org"], worker_id=code) == worker
    with pytest.raises(MturkError):
        selectors.worker_for(organisation=organisation(), worker_id=code)
    stranger = ids.worker_code(user=world["members"][1], organisation=world["org"].pk)
    with pytest.raises(MturkError):
        selectors.worker_for(organisation=world["org"], worker_id=stranger)


def test_work_frame_url_names_the_assignment_hit_and_worker(world, hit):
    assignment = assignment_claim(member=world["members"][0], project=hit.project)
    frame = selectors.work_frame_url(assignment, RequestFactory().get("/"))
    assert frame["url"].startswith(f"/mturk/frame/{assignment.pk}/?assignmentId={ids.assignment_code(assignment.pk)}")
    assert f"hitId={hit.code}" in frame["url"] and "turkSubmitTo=http%3A%2F%2Ftestserver" in frame["url"]
    assert (frame["height"], frame["external"]) == (450, False)
