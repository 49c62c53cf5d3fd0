"""Money into a coop's treasury from outside, and from the treasury into its juror fund
(issue 16 point 2; docs/ledger.md "Where the juror fund's money comes from").

The juror fund gets its share of every fee (`juror_fund_bps`), but a case costs
`jury_size × floor_hourly_rate × juror_minutes / 60` (6.00 by default) while the fund gets
0.5 % of each reward: on a young coop the share has not accrued enough. The coop votes a
`juror_fund_reserve`; `juror_fund_top_up` brings the fund up to that reserve (or up to what a
juror's pay needs, if more) from the treasury, as one ledger transaction with its event. A
reserve of 0 means the coop chose no automatic top-ups. The treasury itself fills from the
coop's fee share and from contributions the federation operator records (dues, grants).

These are services like those of ledger/services/ (the same one path, `movements._move`):
atomic, idempotent by key, each records its event."""

from django.db import transaction

from coop.federation.selectors import coop_is_sandbox, rulebook_in_force
from ledger import posting
from ledger.errors import SandboxRefused
from ledger.locks import balances_for_update
from ledger.models import Account, Transaction
from ledger.posting import Leg
from ledger.services.movements import _amount, _idempotent, _key, _move, _operator, _pk, _split_draw, _text


@transaction.atomic
def treasury_contribution_record(*, operator, coop, amount, reference):
    """The federation operator records money the coop received from outside (members' dues, a
    grant): outside world -> the coop's treasury. Keyed by coop and external reference, so
    recording the same transfer twice moves it once."""
    _operator(operator)
    coop_id = _pk(coop, "coop")
    _amount(amount)
    if coop_is_sandbox(coop_id):
        raise SandboxRefused()
    reference = _text(reference, limit=100, field="reference", required=True)
    key = _key(f"treasury:{coop_id}:contribution:{reference}")
    return _move(
        key=key, kind=Transaction.Kind.TREASURY_CONTRIBUTION, memo=reference,
        legs=[Leg(posting.world(), -amount), Leg(posting.treasury(coop_id, posting.shard_for(key)), amount)],
        event={"type": "ledger.treasury_contributed", "coop": coop_id, "actor": operator,
               "subject": ("federation.coop", coop_id), "payload": {"coop": coop_id, "amount": amount, "key": key}},
    )


@transaction.atomic
def juror_fund_top_up(*, coop, key, need=0, actor=None):
    """Bring the coop's juror fund up to its voted reserve, or up to `need` if that is more,
    drawing from the treasury (seam 16: its sub-accounts locked in pk order, drawn in order).
    Moves at most what the treasury holds; returns the transaction, or None when nothing moved
    (fund already there, reserve 0 and no need, or an empty treasury)."""
    coop_id = _pk(coop, "coop")
    key = _key(key)
    reserve = rulebook_in_force(coop=coop)["juror_fund_reserve"]
    target = max(reserve, need) if reserve > 0 else 0
    existing = Transaction.objects.filter(key=key).first()
    if existing is not None:
        return existing
    credit = posting.juror_fund(coop_id, posting.shard_for(key))
    posting.accounts_get([credit], create=True)
    fund_ids = list(Account.objects.filter(kind=Account.Kind.JUROR_FUND, owner_kind=posting.OWNER_COOP,
                                           owner_id=coop_id).values_list("pk", flat=True))
    treasury_ids = list(Account.objects.filter(kind=Account.Kind.TREASURY, owner_kind=posting.OWNER_COOP,
                                               owner_id=coop_id).values_list("pk", flat=True))
    locked = balances_for_update([*fund_ids, *treasury_ids])
    fund = sum(locked[pk].amount for pk in fund_ids if pk in locked)
    treasury = sum(locked[pk].amount for pk in treasury_ids if pk in locked)
    amount = min(target - fund, treasury)
    if amount <= 0:
        return None
    if replay := _idempotent(key, Transaction.Kind.JUROR_FUND_TOP_UP, amount):
        return replay
    legs = _split_draw(kind=Account.Kind.TREASURY, coop_id=coop_id, amount=amount, credit=credit)
    return _move(
        key=key, kind=Transaction.Kind.JUROR_FUND_TOP_UP,
        legs=[*legs, Leg(credit, amount)],
        event={"type": "ledger.juror_fund_topped_up", "coop": coop_id, "actor": actor,
               "subject": ("federation.coop", coop_id),
               "payload": {"coop": coop_id, "amount": amount, "reserve": reserve, "need": need, "key": key}},
    )
