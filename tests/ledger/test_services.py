"""Given / when / then for every ledger service, with bad input: a clear error, nothing written."""

import pytest
from django.db import transaction

from coop.core.errors import DomainError
from coop.eventlog.models import Event
from coop.federation.models import Membership
from ledger import posting, selectors, services
from ledger.errors import InsufficientFunds
from ledger.models import Account, Balance, Payout, Posting, Transaction
from tests.factories import (
    CoopFactory,
    UserFactory,
    funded_organisation,
    ledger_organisation,
    member,
    operator,
    project_stub,
    steward,
)

pytestmark = pytest.mark.django_db


def counts():
    return Transaction.objects.count(), Posting.objects.count(), Event.objects.count(), Balance.objects.count()


@pytest.fixture
def op():
    return operator()


@pytest.fixture
def coop():
    return CoopFactory()


@pytest.fixture
def worker(coop):
    return member(coop).user


def held(project, org, amount, op, key=None):
    return services.escrow_hold(project=project, amount=amount, key=key or f"project:{project.pk}:hold:1")


def release(project, user, key, reward=1000, fees=(35, 10, 5)):
    return services.escrow_release(project=project, user=user, reward=reward, fee_coop=fees[0],
                                   fee_federation=fees[1], fee_juror=fees[2], key=key)


# --- deposit_record --------------------------------------------------------------------

def test_deposit_record_credits_the_requester_from_the_outside_world(op):
    org = ledger_organisation()
    tx = services.deposit_record(operator=op, organisation=org, amount=50_000, reference="WIRE-1")
    assert selectors.requester_balance(organisation=org) == 50_000
    assert Balance.objects.get(account__kind=Account.Kind.WORLD).amount == -50_000
    assert tx.kind == Transaction.Kind.DEPOSIT
    assert Event.objects.get(pk=tx.event_id).type == "ledger.deposit_recorded"


def test_deposit_record_same_reference_moves_money_once(op):
    org = ledger_organisation()
    first = services.deposit_record(operator=op, organisation=org, amount=50_000, reference="WIRE-1")
    again = services.deposit_record(operator=op, organisation=org, amount=50_000, reference="WIRE-1")
    assert again.pk == first.pk
    assert selectors.requester_balance(organisation=org) == 50_000
    assert Event.objects.filter(type="ledger.deposit_recorded").count() == 1


def test_deposit_record_same_reference_other_amount_is_refused(op):
    org = ledger_organisation()
    services.deposit_record(operator=op, organisation=org, amount=50_000, reference="WIRE-1")
    before = counts()
    with pytest.raises(DomainError) as err:
        services.deposit_record(operator=op, organisation=org, amount=60_000, reference="WIRE-1")
    assert err.value.code == "idempotency_key_reused"
    assert counts() == before


@pytest.mark.parametrize("amount", [-1, 0, 1.5, "10", True, 10**16])
def test_deposit_record_refuses_bad_amounts(op, amount):
    org = ledger_organisation()
    before = counts()
    with pytest.raises(DomainError) as err:
        services.deposit_record(operator=op, organisation=org, amount=amount, reference="W")
    assert err.value.code == "invalid_amount"
    assert counts() == before


def test_deposit_record_by_a_member_is_forbidden(worker):
    org = ledger_organisation()
    with pytest.raises(DomainError) as err:
        services.deposit_record(operator=worker, organisation=org, amount=100, reference="W")
    assert err.value.code == "operator_only" and err.value.status == 403
    assert Transaction.objects.count() == 0


def test_deposit_record_unknown_organisation(op):
    from accounts.models import Organisation

    with pytest.raises(DomainError) as err:
        services.deposit_record(operator=op, organisation=Organisation(name="ghost"), amount=100, reference="W")
    assert err.value.code == "unknown_account"


# --- escrow_hold ------------------------------------------------------------------------

def test_escrow_hold_moves_requester_money_into_the_project_escrow(op, coop):
    org = funded_organisation(10_000, operator=op)
    project = project_stub(coop, org)
    tx = services.escrow_hold(project=project, amount=4_000, key=f"project:{project.pk}:hold:1")
    assert selectors.requester_balance(organisation=org) == 6_000
    assert selectors.escrow_balance(project=project) == 4_000
    event = Event.objects.get(pk=tx.event_id)
    assert (event.type, event.coop_id, event.subject_id) == ("ledger.escrow_held", coop.pk, str(project.pk))


def test_escrow_hold_overdraft_is_refused_and_writes_nothing(op, coop):
    org = funded_organisation(1_000, operator=op)
    project = project_stub(coop, org)
    before = counts()
    with pytest.raises(InsufficientFunds) as err:
        services.escrow_hold(project=project, amount=1_001, key=f"project:{project.pk}:hold:1")
    assert err.value.code == "insufficient_funds"
    assert err.value.extra == {"account": "requester", "balance": 1_000, "amount": 1_001}
    assert counts()[:3] == before[:3]
    assert selectors.requester_balance(organisation=org) == 1_000


def test_escrow_hold_refusal_inside_a_caller_transaction_leaves_it_usable(op, coop):
    org = funded_organisation(1_000, operator=op)
    project = project_stub(coop, org)
    with transaction.atomic():
        with pytest.raises(InsufficientFunds):
            services.escrow_hold(project=project, amount=5_000, key="k1")
        services.escrow_hold(project=project, amount=400, key="k2")
    assert selectors.escrow_balance(project=project) == 400


def test_escrow_hold_same_key_returns_the_first_transaction(op, coop):
    org = funded_organisation(10_000, operator=op)
    project = project_stub(coop, org)
    first = services.escrow_hold(project=project, amount=4_000, key="project:1:hold:1")
    again = services.escrow_hold(project=project, amount=4_000, key="project:1:hold:1")
    assert again.pk == first.pk
    assert selectors.requester_balance(organisation=org) == 6_000


def test_escrow_hold_without_a_requester_is_an_unknown_account(coop):
    project = project_stub(coop, None)
    with pytest.raises(DomainError) as err:
        services.escrow_hold(project=project, amount=100, key="k")
    assert err.value.code == "unknown_account"


# --- escrow_release ---------------------------------------------------------------------

def test_escrow_release_pays_member_coop_federation_and_juror_fund(op, coop, worker):
    org = funded_organisation(10_000, operator=op)
    project = project_stub(coop, org)
    held(project, org, 2_100, op)
    tx = release(project, worker, "assignment:7:release")
    assert selectors.wallet_balance(user=worker) == 1_000
    assert selectors.escrow_balance(project=project) == 1_050
    funds = selectors.coop_fund_balances(coop=coop)
    assert (funds["treasury"], funds["juror_fund"]) == (35, 5)
    assert selectors.federation_fee_balance() == 10
    shard = posting.shard_for("assignment:7:release")
    shards = set(Posting.objects.filter(transaction_id=tx.pk).values_list("account__shard", flat=True))
    assert shards == {0, shard}
    assert Posting.objects.filter(transaction_id=tx.pk).count() == 5
    assert Event.objects.get(pk=tx.event_id).payload_json["reward"] == 1_000


def test_escrow_release_twice_pays_once(op, coop, worker):
    org = funded_organisation(10_000, operator=op)
    project = project_stub(coop, org)
    held(project, org, 5_000, op)
    first = release(project, worker, "assignment:7:release")
    again = release(project, worker, "assignment:7:release")
    assert again.pk == first.pk
    assert selectors.wallet_balance(user=worker) == 1_000
    assert Transaction.objects.filter(kind="escrow_release").count() == 1


def test_escrow_release_beyond_the_escrow_is_refused(op, coop, worker):
    org = funded_organisation(10_000, operator=op)
    project = project_stub(coop, org)
    held(project, org, 1_000, op)
    before = counts()
    with pytest.raises(InsufficientFunds) as err:
        release(project, worker, "assignment:7:release")
    assert err.value.extra["account"] == "escrow"
    assert counts() == before
    assert selectors.wallet_balance(user=worker) == 0


def test_escrow_release_from_a_project_never_held_is_an_unknown_account(coop, worker):
    project = project_stub(coop, ledger_organisation())
    before = counts()
    with pytest.raises(DomainError) as err:
        release(project, worker, "assignment:7:release")
    assert err.value.code == "unknown_account" and err.value.extra == {"account": "escrow"}
    assert counts() == before


@pytest.mark.parametrize("fees", [(-1, 10, 5), (35, -10, 5), (35, 10, 2.5)])
def test_escrow_release_refuses_bad_fee_parts(op, coop, worker, fees):
    org = funded_organisation(10_000, operator=op)
    project = project_stub(coop, org)
    held(project, org, 5_000, op)
    before = counts()
    with pytest.raises(DomainError) as err:
        release(project, worker, "assignment:7:release", fees=fees)
    assert err.value.code == "invalid_amount"
    assert counts() == before


# --- escrow_refund ----------------------------------------------------------------------

def test_escrow_refund_returns_money_to_the_requester(op, coop):
    org = funded_organisation(10_000, operator=op)
    project = project_stub(coop, org)
    held(project, org, 3_000, op)
    services.escrow_refund(project=project, amount=1_000, key="assignment:9:refund")
    assert selectors.escrow_balance(project=project) == 2_000
    assert selectors.requester_balance(organisation=org) == 8_000


def test_escrow_refund_of_a_coop_funded_project_goes_back_to_the_treasury(op, coop, worker):
    org = funded_organisation(10_000, operator=op)
    paying = project_stub(coop, org)
    held(paying, org, 5_000, op)
    release(paying, worker, "a:1", reward=0, fees=(3_000, 0, 0))
    test_project = project_stub(coop, None)
    services.treasury_fund(coop=coop, project=test_project, amount=2_000, key="test:1:fund")
    services.escrow_refund(project=test_project, amount=500, key="test:1:refund")
    assert selectors.coop_fund_balances(coop=coop)["treasury"] == 1_500
    assert selectors.escrow_balance(project=test_project) == 1_500


def test_escrow_refund_more_than_held_is_refused(op, coop):
    org = funded_organisation(10_000, operator=op)
    project = project_stub(coop, org)
    held(project, org, 300, op)
    with pytest.raises(InsufficientFunds):
        services.escrow_refund(project=project, amount=301, key="assignment:9:refund")
    assert selectors.escrow_balance(project=project) == 300


# --- bonus_pay --------------------------------------------------------------------------

def test_bonus_pay_moves_requester_money_to_the_wallet(op, worker):
    org = funded_organisation(1_000, operator=op)
    services.bonus_pay(organisation=org, user=worker, amount=250, key="assignment:3:bonus", memo="thanks")
    assert selectors.wallet_balance(user=worker) == 250
    assert selectors.requester_balance(organisation=org) == 750


def test_bonus_pay_to_someone_without_a_wallet_is_refused(op):
    org = funded_organisation(1_000, operator=op)
    stranger = UserFactory()
    with pytest.raises(DomainError) as err:
        services.bonus_pay(organisation=org, user=stranger, amount=250, key="b")
    assert err.value.code == "unknown_account"
    assert selectors.requester_balance(organisation=org) == 1_000


def test_bonus_pay_overdraft_is_refused(op, worker):
    org = funded_organisation(100, operator=op)
    with pytest.raises(InsufficientFunds):
        services.bonus_pay(organisation=org, user=worker, amount=250, key="b")
    assert selectors.wallet_balance(user=worker) == 0


# --- juror_pay and treasury_fund (split accounts, seam 16) --------------------------------

def fill_funds(op, coop, worker, n=6):
    org = funded_organisation(100_000, operator=op)
    project = project_stub(coop, org)
    held(project, org, 50_000, op)
    for i in range(n):
        release(project, worker, f"assignment:{i}:release", reward=10, fees=(100, 0, 100))
    return project


def test_juror_pay_draws_from_several_sub_accounts(op, coop, worker):
    fill_funds(op, coop, worker)
    juror = member(coop).user
    assert Account.objects.filter(kind="juror_fund").count() > 1
    tx = services.juror_pay(coop=coop, user=juror, amount=550, key="appeal:1:juror:1")
    assert selectors.wallet_balance(user=juror) == 550
    assert selectors.coop_fund_balances(coop=coop)["juror_fund"] == 50
    assert Posting.objects.filter(transaction_id=tx.pk, amount__lt=0).count() >= 2
    assert not Balance.objects.filter(amount__lt=0, allow_negative=False).exists()


def test_juror_pay_shortfall_is_a_clear_error(op, coop, worker):
    fill_funds(op, coop, worker)
    juror = member(coop).user
    with pytest.raises(InsufficientFunds) as err:
        services.juror_pay(coop=coop, user=juror, amount=601, key="appeal:1:juror:1")
    assert err.value.extra == {"account": "juror_fund", "balance": 600, "amount": 601}
    assert selectors.wallet_balance(user=juror) == 0


def test_juror_pay_to_a_member_of_another_coop_is_refused(op, coop, worker):
    fill_funds(op, coop, worker)
    outsider = member(CoopFactory()).user
    with pytest.raises(DomainError) as err:
        services.juror_pay(coop=coop, user=outsider, amount=100, key="appeal:1:juror:1")
    assert err.value.code == "not_a_member"


def test_juror_pay_same_key_pays_once(op, coop, worker):
    fill_funds(op, coop, worker)
    juror = member(coop).user
    first = services.juror_pay(coop=coop, user=juror, amount=100, key="appeal:1:juror:1")
    again = services.juror_pay(coop=coop, user=juror, amount=100, key="appeal:1:juror:1")
    assert first.pk == again.pk and selectors.wallet_balance(user=juror) == 100


def test_treasury_fund_moves_treasury_money_into_an_escrow(op, coop, worker):
    fill_funds(op, coop, worker)
    project = project_stub(coop, None)
    services.treasury_fund(coop=coop, project=project, amount=450, key="test:1:fund")
    assert selectors.escrow_balance(project=project) == 450
    assert selectors.coop_fund_balances(coop=coop)["treasury"] == 150


def test_treasury_fund_of_another_coops_project_is_refused(op, coop, worker):
    fill_funds(op, coop, worker)
    project = project_stub(CoopFactory(), None)
    with pytest.raises(DomainError) as err:
        services.treasury_fund(coop=coop, project=project, amount=100, key="k")
    assert err.value.code == "not_your_coop"


# --- payouts ----------------------------------------------------------------------------

@pytest.fixture
def paid_worker(op, coop, worker):
    org = funded_organisation(200_000, operator=op)
    project = project_stub(coop, org)
    held(project, org, 150_000, op)
    release(project, worker, "assignment:1:release", reward=100_000, fees=(0, 0, 0))
    return worker


def test_payout_request_moves_wallet_money_to_clearing(paid_worker, coop):
    payout = services.payout_request(user=paid_worker, amount=2_000, method="mobile_money", details="+261 34 00")
    assert payout.status == Payout.Status.REQUESTED
    assert selectors.wallet_balance(user=paid_worker) == 98_000
    assert selectors.coop_fund_balances(coop=coop)["payout_clearing"] == 2_000


def test_payout_request_below_minimum_or_bad_method_is_refused(paid_worker):
    with pytest.raises(DomainError) as err:
        services.payout_request(user=paid_worker, amount=499, method="mobile_money")
    assert err.value.code == "below_minimum" and err.value.extra == {"minimum": 500}
    assert err.value.message == "The minimum payout is $5.00."  # money, not cents
    with pytest.raises(DomainError) as err:
        services.payout_request(user=paid_worker, amount=1_000, method="carrier_pigeon")
    assert err.value.code == "invalid_method"
    assert Payout.objects.count() == 0 and selectors.wallet_balance(user=paid_worker) == 100_000


def test_payout_request_overdraft_is_refused(paid_worker):
    with pytest.raises(InsufficientFunds):
        services.payout_request(user=paid_worker, amount=100_001, method="bank_transfer")
    assert Payout.objects.count() == 0


def test_payout_request_same_form_key_requests_once(paid_worker):
    first = services.payout_request(user=paid_worker, amount=1_000, method="bank_transfer", key="form-1")
    again = services.payout_request(user=paid_worker, amount=1_000, method="bank_transfer", key="form-1")
    assert first.pk == again.pk and selectors.wallet_balance(user=paid_worker) == 99_000


def test_payout_request_a_member_who_left_may_withdraw_everything_below_minimum(op, coop, worker):
    org = funded_organisation(1_000, operator=op)
    services.bonus_pay(organisation=org, user=worker, amount=300, key="b")
    Membership.objects.filter(user=worker).update(status=Membership.Status.LEFT)
    payout = services.payout_request(user=worker, amount=300, method="bank_transfer")
    assert payout.amount == 300 and selectors.wallet_balance(user=worker) == 0


def test_payout_settle_by_a_steward_of_the_coop(paid_worker, coop):
    boss = steward(coop).user
    payout = services.payout_request(user=paid_worker, amount=2_000, method="mobile_money")
    services.payout_settle(steward=boss, payout=payout, reference="MM-778")
    payout.refresh_from_db()
    assert payout.status == Payout.Status.SETTLED and payout.reference == "MM-778"
    assert selectors.coop_fund_balances(coop=coop)["payout_clearing"] == 0
    assert paid_worker.notices.filter(kind="payout.settled").exists()


def test_payout_settle_by_a_steward_of_another_coop_is_refused(paid_worker):
    other = steward(CoopFactory()).user
    payout = services.payout_request(user=paid_worker, amount=2_000, method="mobile_money")
    with pytest.raises(DomainError) as err:
        services.payout_settle(steward=other, payout=payout, reference="MM-778")
    assert err.value.code == "not_a_steward"
    payout.refresh_from_db()
    assert payout.status == Payout.Status.REQUESTED


def test_payout_settle_above_the_threshold_needs_a_second_steward(paid_worker, coop):
    first, second = steward(coop).user, steward(coop).user
    payout = services.payout_request(user=paid_worker, amount=60_000, method="bank_transfer")
    services.payout_settle(steward=first, payout=payout, reference="BANK-1")
    payout.refresh_from_db()
    assert payout.status == Payout.Status.AWAITING_SECOND
    assert selectors.coop_fund_balances(coop=coop)["payout_clearing"] == 60_000
    with pytest.raises(DomainError) as err:
        services.payout_settle(steward=first, payout=payout, reference="BANK-1")
    assert err.value.code == "four_eyes"
    with pytest.raises(DomainError) as err:
        services.payout_settle(steward=second, payout=payout, reference="BANK-2")
    assert err.value.code == "reference_mismatch"
    services.payout_settle(steward=second, payout=payout, reference="bank-1")
    payout.refresh_from_db()
    assert payout.status == Payout.Status.SETTLED and payout.decided_by == second
    assert selectors.coop_fund_balances(coop=coop)["payout_clearing"] == 0


def test_payout_fail_returns_the_money(paid_worker, coop):
    boss = steward(coop).user
    payout = services.payout_request(user=paid_worker, amount=2_000, method="mobile_money")
    services.payout_fail(steward=boss, payout=payout, reason="Number not registered")
    assert selectors.wallet_balance(user=paid_worker) == 100_000
    with pytest.raises(DomainError) as err:
        services.payout_settle(steward=boss, payout=payout, reference="late")
    assert err.value.code == "payout_closed"


def test_payout_fail_without_a_reason_is_refused(paid_worker, coop):
    boss = steward(coop).user
    payout = services.payout_request(user=paid_worker, amount=2_000, method="mobile_money")
    with pytest.raises(DomainError) as err:
        services.payout_fail(steward=boss, payout=payout, reason="  ")
    assert err.value.code == "required"


# --- transaction_reverse ------------------------------------------------------------------

def test_transaction_reverse_posts_the_opposite_and_points_at_the_original(op):
    org = ledger_organisation()
    tx = services.deposit_record(operator=op, organisation=org, amount=5_000, reference="W-9")
    reversal = services.transaction_reverse(operator=op, transaction=tx, reason="Wrong organisation")
    assert reversal.reverses_id == tx.pk
    assert selectors.requester_balance(organisation=org) == 0
    assert Balance.objects.get(account__kind="world").amount == 0
    with pytest.raises(DomainError) as err:
        services.transaction_reverse(operator=op, transaction=reversal, reason="again")
    assert err.value.code == "is_reversal"


def test_transaction_reverse_of_spent_money_is_refused(op, coop):
    org = funded_organisation(5_000, operator=op)
    project = project_stub(coop, org)
    held(project, org, 4_000, op)
    deposit = Transaction.objects.get(kind="deposit")
    with pytest.raises(InsufficientFunds):
        services.transaction_reverse(operator=op, transaction=deposit, reason="Wrong organisation")
    assert not Transaction.objects.filter(kind="reversal").exists()


def test_transaction_reverse_by_a_member_is_forbidden(op, worker):
    org = ledger_organisation()
    tx = services.deposit_record(operator=op, organisation=org, amount=5_000, reference="W-9")
    with pytest.raises(DomainError) as err:
        services.transaction_reverse(operator=worker, transaction=tx, reason="mine now")
    assert err.value.code == "operator_only"
    assert selectors.requester_balance(organisation=org) == 5_000


def test_escrow_release_replayed_after_the_escrow_ran_low_returns_the_first(op, coop, worker):
    """Found by the model test: the balance check must not hide a replay."""
    org = funded_organisation(10_000, operator=op)
    project = project_stub(coop, org)
    held(project, org, 1_500, op)
    first = release(project, worker, "assignment:7:release")
    again = release(project, worker, "assignment:7:release")
    assert again.pk == first.pk and selectors.escrow_balance(project=project) == 450


# --- the posting path itself (PL/pgSQL on PostgreSQL, ORM on SQLite) -----------------------

def _post(legs, key):
    from coop.eventlog.services import event_record

    with transaction.atomic():
        return posting.post(key=key, kind=Transaction.Kind.DEPOSIT, memo="", legs=legs,
                            event_id=event_record(type="test.posted"))


def test_an_account_named_twice_gets_a_line_per_leg_with_its_running_balance(worker):
    wallet = posting.wallet(worker.pk)
    tx_id = _post([posting.Leg(wallet, 100), posting.Leg(wallet, -30), posting.Leg(posting.world(), -70)], "twice:1")
    lines = list(Posting.objects.filter(transaction_id=tx_id).order_by("id").values_list("amount", "balance_after"))
    assert lines[:2] == [(100, 100), (-30, 70)]
    assert selectors.wallet_balance(user=worker) == 70


def test_an_account_named_twice_may_not_dip_below_zero_between_its_legs(worker):
    """The end balance would be +50, but the first leg takes 50 from an empty wallet."""
    wallet = posting.wallet(worker.pk)
    before = counts()
    with pytest.raises(InsufficientFunds) as err:
        _post([posting.Leg(wallet, -50), posting.Leg(wallet, 100), posting.Leg(posting.world(), -50)], "twice:2")
    assert err.value.extra == {"account": Account.Kind.WALLET, "balance": 0, "amount": 50}
    assert counts()[:2] == before[:2]
