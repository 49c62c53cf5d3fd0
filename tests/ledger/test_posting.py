"""ledger/posting.py, below the services: one transaction from legs that sum to zero, with
running balances, refusals that write nothing, and the account identities (refs, shards)."""

import pytest
from django.db import transaction

from coop.eventlog.services import event_record
from ledger import posting
from ledger.errors import InsufficientFunds, UnknownAccount
from ledger.models import Balance, Posting, Transaction

pytestmark = pytest.mark.django_db


def _event():
    return event_record(type="ledger.deposit", payload={"amount": 1})


def _balance(ref):
    account = posting.accounts_get([ref])[ref]
    return Balance.objects.get(pk=account).amount


def test_post_writes_one_transaction_with_running_balances():
    world, wallet = posting.world(), posting.wallet(7001)
    with transaction.atomic():
        first = posting.post(key="t:1", kind=Transaction.Kind.DEPOSIT, memo="", event_id=_event(),
                             legs=[posting.Leg(world, -500), posting.Leg(wallet, 500)])
        second = posting.post(key="t:2", kind=Transaction.Kind.DEPOSIT, memo="", event_id=_event(),
                              legs=[posting.Leg(world, -250), posting.Leg(wallet, 250)])
    assert (_balance(world), _balance(wallet)) == (-750, 750)  # the outside world may go negative
    rows = list(Posting.objects.filter(transaction_id__in=[first, second], amount__gt=0)
                .order_by("transaction_id").values_list("amount", "balance_after"))
    assert rows == [(500, 500), (250, 750)]


def test_a_leg_that_would_overdraw_writes_nothing():
    with pytest.raises(InsufficientFunds) as info, transaction.atomic():
        posting.post(key="t:over", kind=Transaction.Kind.BONUS, memo="", event_id=_event(),
                     legs=[posting.Leg(posting.wallet(7002), -1), posting.Leg(posting.wallet(7003), 1)])
    assert info.value.extra["amount"] == 1
    assert not Transaction.objects.filter(key="t:over").exists()


def test_a_must_exist_leg_on_an_unknown_account_is_refused():
    with pytest.raises(UnknownAccount), transaction.atomic():
        posting.post(key="t:unknown", kind=Transaction.Kind.BONUS, memo="", event_id=_event(),
                     legs=[posting.Leg(posting.world(), -5), posting.Leg(posting.escrow(99999), 5, must_exist=True)])
    assert not Transaction.objects.filter(key="t:unknown").exists()


@pytest.mark.parametrize("legs", [
    [],
    [posting.Leg(posting.world(), 0), posting.Leg(posting.wallet(1), 0)],  # zero legs are dropped: none left
    [posting.Leg(posting.world(), -5), posting.Leg(posting.wallet(1), 4)],  # does not sum to zero
])
def test_legs_must_be_two_or_more_summing_to_zero(legs):
    with pytest.raises(ValueError), transaction.atomic():
        posting.post(key="t:bad", kind=Transaction.Kind.BONUS, memo="", event_id=None, legs=legs)
    assert not Transaction.objects.filter(key="t:bad").exists()


def test_refs_shards_and_owner_kinds():
    assert {posting.shard_for(f"assignment:{n}:release") for n in range(2000)} == set(range(posting.SHARDS))
    assert posting.shard_for("assignment:1:release") == posting.shard_for("assignment:1:release")
    assert posting.treasury(3, shard=2) == posting.Ref("treasury", posting.OWNER_COOP, 3, 2)
    assert posting.world().allow_negative and not posting.wallet(1).allow_negative
    assert posting.escrow_owner_kind(object()) == posting.OWNER_PROJECT


def test_a_posting_between_existing_accounts_is_four_statements_off_postgresql():
    """Off PostgreSQL the posting is hand-written (issue 21): one SELECT of the accounts with
    their balances, the transaction, its postings and the changed balances, whatever the legs.
    What it writes is what the ORM wrote: the transaction's time, the running balances."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    world, wallet, other = posting.world(), posting.wallet(7101), posting.wallet(7102)
    with transaction.atomic():
        posting.post(key="t:open", kind=Transaction.Kind.DEPOSIT, memo="", event_id=_event(),
                     legs=[posting.Leg(world, -900), posting.Leg(wallet, 600), posting.Leg(other, 300)])
        event_id = _event()
        with CaptureQueriesContext(connection) as queries:
            tx_id = posting.post(key="t:move", kind=Transaction.Kind.BONUS, memo="m", event_id=event_id,
                                 legs=[posting.Leg(wallet, -100), posting.Leg(other, 100)])
    if connection.vendor != "postgresql":
        assert len(queries) == 4
    tx = Transaction.objects.get(pk=tx_id)
    assert (tx.key, tx.kind, tx.memo, tx.event_id) == ("t:move", Transaction.Kind.BONUS, "m", event_id)
    assert tx.created_at.tzinfo is not None
    assert (_balance(wallet), _balance(other)) == (500, 400)
    assert sorted(Posting.objects.filter(transaction_id=tx_id).values_list("amount", "balance_after")) == [
        (-100, 500), (100, 400)]
