"""The marketplace's money movements (tasks/escrow.py): holds numbered on the project, a slot's
cost with its own fee shares, releases that pay the member and the funds, refunds counted on
the project once per key, and an overdraft refused."""

import pytest
from django.utils import timezone

from ledger.errors import InsufficientFunds
from ledger.models import Transaction
from ledger.selectors import coop_fund_balances, escrow_balance, requester_balance, wallet_balance
from ledger.services import deposit_record
from tasks import escrow
from tasks.models import Assignment, Project, Slot
from tests.factories import CoopFactory, member, open_project, operator, organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    org = organisation()
    deposit_record(operator=operator(), organisation=org, amount=10_000, reference="wire-1")
    project = open_project(CoopFactory(), organisation=org, tasks=2, reward=100)
    Slot.objects.filter(project=project).update(fee_coop=6, fee_federation=2, fee_juror=2)
    return project


def test_hold_numbers_each_hold_and_moves_the_money(project):
    escrow.hold(project=project, amount=500)
    escrow.hold(project=project, amount=300)
    assert (project.holds, project.escrow_held) == (2, 800)
    assert escrow_balance(project=project) == 800
    assert requester_balance(organisation=project.organisation) == 9_200
    assert set(Transaction.objects.filter(kind=Transaction.Kind.ESCROW_HOLD).values_list("key", flat=True)) == {
        f"project:{project.pk}:hold:1", f"project:{project.pk}:hold:2"}


def test_hold_beyond_the_balance_is_refused_and_moves_nothing(project):
    with pytest.raises(InsufficientFunds):
        escrow.hold(project=project, amount=10_001)
    assert escrow_balance(project=project) == 0
    assert Project.objects.get(pk=project.pk).holds == 0


def test_slot_cost_is_the_reward_and_the_slots_own_fees(project):
    slot = Slot.objects.filter(project=project).first()
    Slot.objects.filter(pk=slot.pk).update(fee_coop=7)
    assert escrow.slot_cost(project=project, slot_id=slot.pk) == 100 + 7 + 2 + 2


def test_release_pays_the_member_and_the_fee_shares(project):
    escrow.hold(project=project, amount=220)
    worker = member(project.coop).user
    slot = Slot.objects.filter(project=project).first()
    assignment = Assignment.objects.create(slot=slot, task=slot.task, project=project, member=worker,
                                           status=Assignment.Status.SUBMITTED,
                                           deadline_at=timezone.now())
    escrow.release(assignment=assignment, project=project)
    assert wallet_balance(user=worker) == 100
    assert coop_fund_balances(coop=project.coop)["treasury"] == 6
    assert escrow_balance(project=project) == 220 - 110
    assert Transaction.objects.get(kind=Transaction.Kind.ESCROW_RELEASE).key == f"assignment:{assignment.pk}:release"


def test_refunds_go_back_to_the_requester_and_are_counted_on_the_project(project):
    escrow.hold(project=project, amount=1_000)
    first, second = Slot.objects.filter(project=project).order_by("pk")
    escrow.refund_slot(project=project, slot=first)
    escrow.refund_closed_task(project=project, task_id=second.task_id, slot_ids=[second.pk], amount=110)
    escrow.refund_cancelled(project=project, amount=0)  # nothing to give back: no transaction
    assert Project.objects.get(pk=project.pk).escrow_refunded == 220
    assert escrow_balance(project=project) == 780
    assert set(Transaction.objects.filter(kind=Transaction.Kind.ESCROW_REFUND).values_list("key", flat=True)) == {
        f"slot:{first.pk}:refund", f"task:{second.task_id}:close:{second.pk}"}
