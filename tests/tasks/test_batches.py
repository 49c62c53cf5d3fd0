"""Opening a batch (tasks/services/batches.py), shared by publishing and the stewards' approval of
a country-restricted project: one slot per task x assignment with its exact share of the batch's
fees, the fair-share window and cap, the count of members with no lasting reason against it."""

from datetime import UTC, datetime, timedelta

import pytest

from coop.federation.selectors import rulebook_in_force
from tasks.fees import batch_fees
from tasks.models import Slot
from tasks.selectors import open_slots_of
from tasks.services import project_create, tasks_add
from tasks.services.batches import batch_open, eligible_member_count, slots_create
from tests.factories import CoopFactory, member, organisation, project_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    coop = CoopFactory()
    org = organisation()
    project = project_create(actor=org.owner, organisation=org, coop=coop,
                             **project_fields(reward=333, assignments_per_task=3))
    tasks_add(actor=org.owner, project=project, rows=[{"image_url": f"https://img.example/{i}.jpg"} for i in range(7)])
    return project


def test_slots_create_gives_each_slot_its_exact_share_and_returns_the_amount_to_hold(draft):
    rulebook = rulebook_in_force(coop=draft.coop)
    tasks = list(draft.tasks.order_by("pk"))
    count, amount = slots_create(draft, tasks, rulebook)
    fees = batch_fees(reward=333, slots=21, rulebook=rulebook)
    assert count == 21 == Slot.objects.filter(project=draft, status="open").count() == open_slots_of(draft.pk)
    slots = list(Slot.objects.filter(project=draft))
    assert sum(s.fee_coop for s in slots) == fees.fee_coop == draft.fee_coop
    assert sum(s.fee_federation for s in slots) == fees.fee_federation == draft.fee_federation
    assert sum(s.fee_juror for s in slots) == fees.fee_juror == draft.fee_juror
    assert amount == 333 * 21 + fees.total == sum(333 + s.fee for s in slots)


def test_batch_open_starts_the_fair_share_window_with_the_eligible_members(draft):
    for _ in range(4):
        member(draft.coop)
    rulebook = rulebook_in_force(coop=draft.coop)
    draft.allocation_policy = "fair_share"
    now = datetime.now(UTC)
    assert eligible_member_count(draft) == 4
    batch_open(draft, slots=21, now=now, rulebook=rulebook)
    assert draft.batch_opened_at == now
    assert draft.fair_share_until == now + timedelta(minutes=rulebook["fair_share_window_minutes"])
    assert draft.fair_share_cap == 6  # ceil(21 / 4)
    draft.allocation_policy = "first_come"
    batch_open(draft, slots=21, now=now, rulebook=rulebook)
    assert (draft.fair_share_until, draft.fair_share_cap) == (None, None)
