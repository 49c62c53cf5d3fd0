"""The solidarity fund's money (issue 23; docs/solidarity.md): what goes in (members'
voluntary contributions, and the voted share of the coop's fee income) and what goes out
(a hardship grant into a member's wallet).

The fund is a split account like the treasury (`ledger.posting.SHARED_KINDS`): what pays in
picks the sub-account `shard_for(key)`; a grant draws from every sub-account, locked in pk
order (seam 16). Every movement goes through `movements._move`: atomic, one event, idempotent
by a key derived from domain ids."""

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from coop.core.db import retry_transaction
from coop.federation.access import membership_active_of
from coop.federation.models import Coop
from coop.federation.selectors import rulebook_in_force
from ledger import posting
from ledger.errors import NotYours
from ledger.models import Account, HardshipApplication, Posting, Transaction
from ledger.posting import Leg, Ref
from ledger.services.movements import _amount, _idempotent, _key, _move, _pk, _split_draw


def fund(coop_id: int, shard: int = 0) -> Ref:
    """The coop's solidarity fund (sub-account `shard`)."""
    return Ref(Account.Kind.SOLIDARITY_FUND, posting.OWNER_COOP, coop_id, shard)


@retry_transaction
@transaction.atomic
def solidarity_contribute(*, user: User, amount: int, key: str) -> Transaction:
    """An active member gives money from their wallet to their coop's solidarity fund. `key` (a
    form nonce) makes a double submit give once."""
    user_id = _pk(user, "member")
    _amount(amount)
    key = _key(f"solidarity:{user_id}:contribution:{key}")
    membership = membership_active_of(user)
    if membership is None:
        raise NotYours("not_a_member", _("Only members of a coop give to its solidarity fund."))
    coop_id = membership.coop_id
    return _move(
        key=key, kind=Transaction.Kind.SOLIDARITY_CONTRIBUTION,
        legs=[Leg(posting.wallet(user_id), -amount, must_exist=True),
              Leg(fund(coop_id, posting.shard_for(key)), amount)],
        event={"type": "ledger.solidarity_contributed", "coop": coop_id, "actor": user_id,
               "subject": ("federation.coop", coop_id), "payload": {"user": user_id, "amount": amount, "key": key}},
    )


def fee_income(*, coop_id: int, day: date) -> int:
    """The coop's fee income on `day` (UTC): what escrow releases paid into its treasury, less what
    the operator's corrections of releases (of any day) took back out of it that day. A day whose
    corrections exceed its releases has no income (nothing moves; the rest is not carried over)."""
    start = datetime.combine(day, time.min).replace(tzinfo=timezone.get_fixed_timezone(0))
    released = Q(transaction__kind=Transaction.Kind.ESCROW_RELEASE, amount__gt=0)
    corrected = Q(transaction__kind=Transaction.Kind.REVERSAL,
                  transaction__reverses__kind=Transaction.Kind.ESCROW_RELEASE, amount__lt=0)
    total = Posting.objects.filter(
        released | corrected,
        account__kind=Account.Kind.TREASURY, account__owner_kind=posting.OWNER_COOP, account__owner_id=coop_id,
        transaction__created_at__gte=start, transaction__created_at__lt=start + timedelta(days=1),
    ).aggregate(total=Sum("amount"))["total"] or 0
    return max(total, 0)


@retry_transaction
@transaction.atomic
def solidarity_fee_share_move(*, coop: Coop | int, day: date) -> Transaction | None:
    """Move the voted share (`solidarity_fund_bps`, the rulebook in force at the end of `day`) of
    the coop's fee income of `day` from the treasury into the solidarity fund. Once per coop and
    day (key `solidarity:<coop>:fees:<day>`): a second run returns the first transaction. Moves
    at most what the treasury holds; returns None when nothing is to move."""
    coop_id = coop if isinstance(coop, int) else _pk(coop, "coop")  # an id, as its hint says (the bank found it)
    key = _key(f"solidarity:{coop_id}:fees:{day.isoformat()}")
    existing = Transaction.objects.filter(key=key).first()
    if existing is not None:
        return existing
    end = datetime.combine(day, time.max).replace(tzinfo=timezone.get_fixed_timezone(0))
    income = fee_income(coop_id=coop_id, day=day)
    if income <= 0:
        return None
    rulebook = rulebook_in_force(coop=coop, at=end)
    share = income * rulebook["solidarity_fund_bps"] // 10_000
    if share <= 0:
        return None
    credit = fund(coop_id, posting.shard_for(key))
    treasury = sum(Account.objects.filter(kind=Account.Kind.TREASURY, owner_kind=posting.OWNER_COOP,
                                          owner_id=coop_id).values_list("balance__amount", flat=True))
    share = min(share, treasury)
    if share <= 0:
        return None
    legs = _split_draw(kind=Account.Kind.TREASURY, coop_id=coop_id, amount=share, credit=credit)
    return _move(
        key=key, kind=Transaction.Kind.SOLIDARITY_FEE_SHARE, memo=day.isoformat(),
        legs=[*legs, Leg(credit, share)],
        event={"type": "ledger.solidarity_fee_share", "coop": coop_id, "subject": ("federation.coop", coop_id),
               "payload": {"coop": coop_id, "amount": share, "income": income, "day": day.isoformat(),
                           "bps": rulebook["solidarity_fund_bps"], "rulebook_version": rulebook.version,
                           "key": key}},
    )


def grant_pay(*, application: HardshipApplication, actor: User | None = None) -> Transaction:
    """Pay a granted hardship application from the fund into its member's wallet, drawing from
    every sub-account (seam 16). Assumes the application row is locked by the caller (a service
    of ledger.services.hardship). Key `solidarity:application:<id>:grant`: paid once. Raises
    InsufficientFunds (with the fund's balance) when the fund cannot pay it."""
    key = _key(f"solidarity:application:{application.pk}:grant")
    if replay := _idempotent(key, Transaction.Kind.SOLIDARITY_GRANT, application.amount):
        return replay
    credit = posting.wallet(application.user_id)
    legs = _split_draw(kind=Account.Kind.SOLIDARITY_FUND, coop_id=application.coop_id, amount=application.amount,
                       credit=credit)
    return _move(
        key=key, kind=Transaction.Kind.SOLIDARITY_GRANT, legs=[*legs, Leg(credit, application.amount)],
        event={"type": "ledger.solidarity_granted", "coop": application.coop_id, "actor": actor,
               "subject": ("federation.coop", application.coop_id),
               "payload": {"application": application.pk, "user": application.user_id,
                           "amount": application.amount, "key": key}},
    )
