"""Fees over a whole batch (tasks/fees.py): the parts add up to the voted percentages on any
batch, and release/refund of every slot moves exactly the batch's totals."""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.selectors import coop_fund_balances, escrow_balance, requester_balance
from tasks.fees import batch_fees, slot_share
from tasks.models import Slot
from tasks.services import assignment_approve, assignment_claim, assignment_submit, project_cancel
from tests.factories import CoopFactory, member, published_project

DEFAULT = {"platform_fee_bps": 500, "federation_share_bps": 2000, "juror_fund_bps": 1000}


@settings(max_examples=400, deadline=None)
@given(reward=st.integers(min_value=1, max_value=50_000), slots=st.integers(min_value=1, max_value=400),
       fee_bps=st.integers(min_value=0, max_value=1000), juror_bps=st.integers(min_value=1000, max_value=8000))
def test_batch_fees_add_up_to_the_voted_percentages(reward, slots, fee_bps, juror_bps):
    rulebook = {"platform_fee_bps": fee_bps, "federation_share_bps": 2000, "juror_fund_bps": juror_bps}
    fees = batch_fees(reward=reward, slots=slots, rulebook=rulebook)
    exact_fee = Fraction(reward * slots * fee_bps, 10_000)
    # the batch's fee is the voted percentage, rounded down once (never more than voted)
    assert fees.total <= exact_fee < fees.total + 1
    assert fees.fee_coop + fees.fee_federation + fees.fee_juror == fees.total
    # each part is within one unit of its exact share of the batch's fee
    for part, bps in ((fees.fee_federation, 2000), (fees.fee_juror, juror_bps),
                      (fees.fee_coop, 10_000 - 2000 - juror_bps)):
        assert abs(part - Fraction(fees.total * bps, 10_000)) < 1
    # the slots' shares add up to each part, and slots differ by at most one unit
    assert len(fees.slots) == slots
    assert [sum(s[i] for s in fees.slots) for i in range(3)] == [fees.fee_coop, fees.fee_federation,
                                                                  fees.fee_juror]
    per_slot = [sum(s) for s in fees.slots]
    assert min(per_slot) >= 0 and max(per_slot) - min(per_slot) <= 1
    for i in range(3):
        column = [s[i] for s in fees.slots]
        assert max(column) - min(column) <= 1


@settings(max_examples=300, deadline=None)
@given(reward=st.integers(min_value=1, max_value=50_000), slots=st.integers(min_value=1, max_value=300),
       juror_bps=st.integers(min_value=1000, max_value=8000))
def test_one_slots_share_is_the_share_batch_fees_deals_it(reward, slots, juror_bps):
    """Paid tests pay one attempt at a time: `slot_share` gives any slot its share without the batch."""
    rulebook = {**DEFAULT, "juror_fund_bps": juror_bps}
    fees = batch_fees(reward=reward, slots=slots, rulebook=rulebook)
    parts = (fees.fee_coop, fees.fee_federation, fees.fee_juror)
    assert [slot_share(parts=parts, slots=slots, index=i) for i in range(slots)] == list(fees.slots)
    with pytest.raises(IndexError):
        slot_share(parts=parts, slots=slots, index=slots)


def test_a_30_cent_reward_now_feeds_the_juror_fund():
    # per assignment rounded down: 1.5 -> 1 to the coop, 0 to the federation and the juror fund
    fees = batch_fees(reward=30, slots=100, rulebook=DEFAULT)
    assert (fees.total, fees.fee_federation, fees.fee_juror, fees.fee_coop) == (150, 30, 15, 105)


@pytest.mark.django_db
@pytest.mark.parametrize("reward,tasks,apt", [(30, 7, 1), (45, 5, 3), (199, 3, 2)])
def test_release_and_refund_of_every_slot_move_exactly_the_batch_totals(reward, tasks, apt):
    coop = CoopFactory()
    project = published_project(coop, tasks=tasks, reward=reward, estimated_minutes=1, assignments_per_task=apt)
    owner = project.organisation.owner
    project.refresh_from_db()
    slots = list(Slot.objects.filter(project=project))
    expected = batch_fees(reward=reward, slots=tasks * apt, rulebook=DEFAULT)
    assert (project.fee_coop, project.fee_federation, project.fee_juror) == (
        expected.fee_coop, expected.fee_federation, expected.fee_juror)
    assert escrow_balance(project=project) == reward * len(slots) + expected.total
    workers = [member(coop).user for _ in range(apt)]
    paid = []
    for worker in workers:  # each worker approves one task's slots: some slots are released
        assignment = assignment_claim(member=worker, project=project)
        assignment_submit(member=worker, assignment=assignment, answers={"label": "yes"})
        assignment_approve(actor=owner, assignment=assignment)
        paid.append(assignment.slot)
    balance = requester_balance(organisation=project.organisation)
    project_cancel(actor=owner, project=project)  # the rest are refunded
    refunded = requester_balance(organisation=project.organisation) - balance
    assert escrow_balance(project=project) == 0
    assert coop_fund_balances(coop=coop)["juror_fund"] == sum(s.fee_juror for s in paid)
    assert refunded == sum(reward + s.fee for s in slots if s.pk not in {p.pk for p in paid})
