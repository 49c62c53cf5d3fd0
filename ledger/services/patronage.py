"""Patronage: part of the coop's treasury surplus returned to its members in proportion to their
approved work in a finished period (issue 23; docs/patronage.md).

1. A steward proposes an amount for the last finished period (`patronage_period` of the
   rulebook in force: a quarter, half a year or a year, calendar-aligned in UTC).
   `patronage_propose` fixes the period, the measure (`patronage_measure`: paid minutes or the
   amount earned by approved work) and every member's share (largest remainder), and stores
   them; the members' vote is opened by `coop.governance.services.patronage_vote_open`, a layer
   above, which calls this then `patronage_vote_linked`.
2. Adopted: `patronage_adopt` pays it (`patronage_pay`): one ledger transaction per member,
   treasury -> wallet, keyed `<distribution key>:member:<user id>` (the shared key
   `patronage:<coop>:<period start>`), all in one database transaction. Running it again pays
   nothing twice: the distribution's row is locked first and a paid one is returned as it is,
   and each key moves money once. A treasury too small leaves it `adopted` (stewards are told;
   any steward pays it once the treasury can). Not adopted: `patronage_refuse_by_vote`.

Lock order (docs/ledger.md): the distribution's row, then every balance the payment touches
(the treasury's sub-accounts and the members' wallets) at once, in account-id order, before the
first posting, as a bulk approval does (`escrow_releases_lock`)."""

from datetime import UTC, date, datetime, time

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from accounts.services import notify
from coop.core.db import retry_transaction
from coop.core.errors import Conflict, Forbidden
from coop.core.money import largest_remainder
from coop.eventlog.models import Event
from coop.eventlog.services import event_record
from coop.federation.access import membership_active_of, stewards_of
from coop.federation.locks import coop_for_update
from coop.federation.models import Coop
from coop.federation.selectors import rulebook_in_force
from ledger import posting
from ledger.errors import InsufficientFunds, NotYours
from ledger.locks import balances_for_update, patronage_distribution_for_update
from ledger.models import Account, PatronageDistribution, PatronageShare, Transaction
from ledger.posting import Leg
from ledger.selectors import coop_fund_balances, work_done
from ledger.services.movements import _amount, _key, _move, _pk, _split_draw, _steward

D = PatronageDistribution
PERIOD_MONTHS = {"quarter": 3, "half_year": 6, "year": 12}


def period_last(*, period: str, now: datetime | None = None) -> tuple[date, date]:
    """The last finished period before `now`: (first day, first day after), calendar-aligned."""
    months = PERIOD_MONTHS[period]
    today = (now or timezone.now()).astimezone(UTC).date()
    current = today.year * 12 + (today.month - 1) // months * months  # months since year 0 of the current period
    start = current - months
    return date(start // 12, start % 12 + 1, 1), date(current // 12, current % 12 + 1, 1)


def shared_key(distribution: PatronageDistribution) -> str:
    """The key every share's transaction starts with (`<shared key>:member:<user id>`), and their memo."""
    return f"patronage:{distribution.coop_id}:{distribution.period_start.isoformat()}"


def _bounds(start, end):
    return datetime.combine(start, time.min, tzinfo=UTC), datetime.combine(end, time.min, tzinfo=UTC)


def _event(kind, distribution, actor=None, **payload):
    event_record(type=f"patronage.{kind}", coop=distribution.coop_id, actor=actor,
                 subject=("ledger.patronagedistribution", distribution.pk),
                 payload={"distribution": distribution.pk, "amount": distribution.amount, **payload})


def _stewards_told(distribution, message):
    for steward in stewards_of(distribution.coop_id):
        notify(user=steward, kind="patronage", message=message, params={"amount": distribution.amount},
               link=reverse("ledger:patronage"))


@retry_transaction
@transaction.atomic
def patronage_propose(*, steward: User, amount: int, now: datetime | None = None) -> PatronageDistribution:
    """A steward proposes to share `amount` of the treasury over the last finished period's
    approved work. Refused (nothing written) when the period was already shared or is being
    voted, when the treasury holds less, or when nobody did approved work in it."""
    now = now or timezone.now()
    membership = membership_active_of(steward)
    if membership is None:
        raise NotYours("not_a_steward", _("Only a steward of this coop may do this."))
    coop_id = membership.coop_id
    _steward(steward, coop_id)
    if membership.coop.sandbox_of_id is not None:  # test money never meets real money (docs/sandbox.md)
        raise Forbidden("sandbox_coop", _("A sandbox coop holds only test money: it shares no surplus."))
    _amount(amount)
    rulebook = rulebook_in_force(coop=membership.coop, at=now)
    start, end = period_last(period=rulebook["patronage_period"], now=now)
    if D.objects.filter(coop_id=coop_id, period_start=start).exclude(status=D.Status.REFUSED).exists():
        raise Conflict("period_shared", _("This period's surplus is already shared or being voted on."),
                       {"period_start": start.isoformat()})
    treasury = coop_fund_balances(coop=membership.coop)["treasury"]
    if amount > treasury:
        raise Conflict("surplus_too_small", _("The treasury holds less than this amount."), {"treasury": treasury})
    measure = rulebook["patronage_measure"]
    work = {user: row[measure] for user, row in work_done(coop_id=coop_id, start=_bounds(start, end)[0],
                                                          end=_bounds(start, end)[1]).items() if row[measure] > 0}
    if not work:
        raise Conflict("no_work", _("Nobody did approved work in this period: there is nothing to share by."),
                       {"period_start": start.isoformat()})
    users = sorted(work)
    try:
        with transaction.atomic():
            distribution = D.objects.create(
                coop_id=coop_id, period_start=start, period_end=end, measure=measure, amount=amount,
                total_work=sum(work.values()), rulebook_version=rulebook.version, proposed_by=steward, created_at=now)
    except IntegrityError:  # another steward proposed this period at the same moment
        raise Conflict("period_shared", _("This period's surplus is already shared or being voted on."),
                       {"period_start": start.isoformat()})
    PatronageShare.objects.bulk_create(
        PatronageShare(distribution=distribution, user_id=user, work=work[user], amount=part, floor=floor,
                       remainder=remainder)
        for user, (part, floor, remainder) in zip(users, largest_remainder(amount, [work[u] for u in users]),
                                                  strict=True))
    _event("proposed", distribution, actor=steward, period_start=start.isoformat(), period_end=end.isoformat(),
           measure=measure, total_work=distribution.total_work, members=len(users),
           rulebook_version=rulebook.version)
    return distribution


@transaction.atomic
def patronage_vote_linked(*, distribution: PatronageDistribution, proposal_id: int,
                          steward: User) -> PatronageDistribution:
    """Remember the proposal that puts a just-proposed distribution to the members' vote."""
    distribution = patronage_distribution_for_update(_pk(distribution, "distribution"))
    if distribution.status != D.Status.PROPOSED or distribution.proposal_id is not None:
        raise Conflict("distribution_decided", _("This distribution is already being voted on."))
    distribution.proposal_id = proposal_id
    distribution.save(update_fields=["proposal_id"])
    _event("put_to_vote", distribution, actor=steward, proposal=proposal_id)
    return distribution


def _pay_shares(distribution, actor):
    """Pay every unpaid share: lock the treasury's sub-accounts and all the wallets at once (pk
    order), then post one transaction per member. Assumes the distribution's row is locked."""
    shares = list(distribution.shares.filter(amount__gt=0, transaction__isnull=True).order_by("user_id"))
    wallets = posting.accounts_get([posting.wallet(s.user_id) for s in shares], create=True)
    shard_ids = list(Account.objects.filter(kind=Account.Kind.TREASURY, owner_kind=posting.OWNER_COOP,
                                            owner_id=distribution.coop_id).values_list("pk", flat=True))
    locked = balances_for_update([*shard_ids, *wallets.values()])
    available, owed = sum(locked[pk].amount for pk in shard_ids), sum(s.amount for s in shares)
    if available < owed:
        raise InsufficientFunds(extra={"account": Account.Kind.TREASURY, "balance": available, "amount": owed})
    for share in shares:
        key = _key(f"{shared_key(distribution)}:member:{share.user_id}")
        credit = posting.wallet(share.user_id)
        legs = _split_draw(kind=Account.Kind.TREASURY, coop_id=distribution.coop_id, amount=share.amount,
                           credit=credit)
        share.transaction = _move(
            key=key, kind=Transaction.Kind.PATRONAGE, memo=shared_key(distribution),
            legs=[*legs, Leg(credit, share.amount)],
            event={"type": "ledger.patronage_paid", "coop": distribution.coop_id, "actor": actor,
                   "subject": ("ledger.patronagedistribution", distribution.pk),
                   "payload": {"distribution": distribution.pk, "user": share.user_id, "amount": share.amount,
                               "work": share.work, "key": key}})
    PatronageShare.objects.bulk_update(shares, ["transaction"])
    return shares


@retry_transaction
@transaction.atomic
def patronage_pay(*, distribution: PatronageDistribution | int, actor: User | None = None,
                  now: datetime | None = None) -> PatronageDistribution:
    """Pay an adopted distribution, once: a paid one is returned as it is (whoever runs it
    twice, or at the same moment). `actor`, when given, must be a steward of the coop (the "Pay
    now" of an adopted distribution the treasury could not pay at the vote's close). Raises
    InsufficientFunds, changing nothing, when the treasury holds less than the shares."""
    pk = distribution if isinstance(distribution, int) else _pk(distribution, "distribution")
    distribution = patronage_distribution_for_update(pk)
    if actor is not None:
        _steward(actor, distribution.coop_id)
    if distribution.status == D.Status.PAID:
        return distribution
    if distribution.status != D.Status.ADOPTED:
        raise Conflict("not_adopted", _("The members have not adopted this distribution."),
                       {"status": distribution.status})
    shares = _pay_shares(distribution, actor)
    distribution.status = D.Status.PAID
    distribution.paid_at = now or timezone.now()
    distribution.save(update_fields=["status", "paid_at"])
    _event("paid", distribution, actor=actor, members=len(shares))
    users = {u.pk: u for u in User.objects.filter(pk__in=[s.user_id for s in shares])}
    for share in shares:
        notify(user=users[share.user_id], kind="patronage", link=reverse("ledger:patronage"),
               message=gettext_noop("Your share of the coop's surplus, %(amount)s, is in your wallet."),
               params={"amount": share.amount})
    return distribution


@transaction.atomic
def patronage_adopt(*, distribution_id: int, proposal_id: int, now: datetime | None = None) -> PatronageDistribution:
    """The members adopted the distribution: pay it. If the treasury cannot pay it now, it stays
    adopted (stewards are told), so the vote's close never fails for want of money."""
    distribution = patronage_distribution_for_update(distribution_id)
    if distribution.status != D.Status.PROPOSED or distribution.proposal_id != proposal_id:
        return distribution
    distribution.status = D.Status.ADOPTED
    distribution.decided_at = now or timezone.now()
    distribution.save(update_fields=["status", "decided_at"])
    _event("adopted", distribution, proposal=proposal_id)
    try:
        with transaction.atomic():
            return patronage_pay(distribution=distribution.pk, now=now)
    except InsufficientFunds:
        _event("unfunded", distribution, proposal=proposal_id)
        _stewards_told(distribution, gettext_noop("The members shared %(amount)s of the surplus, but the treasury "
                                                  "cannot pay it yet."))
        return distribution


@transaction.atomic
def patronage_refuse_by_vote(*, distribution_id: int, proposal_id: int, outcome: str,
                             now: datetime | None = None) -> PatronageDistribution:
    """The vote did not adopt the distribution (rejected, no quorum, withdrawn): the period is
    free for another proposal."""
    distribution = patronage_distribution_for_update(distribution_id)
    if distribution.status != D.Status.PROPOSED or distribution.proposal_id not in (proposal_id, None):
        return distribution
    distribution.status = D.Status.REFUSED
    distribution.decided_at = now or timezone.now()
    distribution.save(update_fields=["status", "decided_at"])
    _event("refused", distribution, proposal=proposal_id, outcome=outcome)
    return distribution



REMINDER = "patronage.period_unproposed"


@retry_transaction
@transaction.atomic
def patronage_period_remind(*, coop: Coop | int, now: datetime | None = None) -> bool:
    """Tell the coop's stewards, once, that its last finished patronage period ended and nobody
    proposed a distribution for it (the scheduled job `ledger.jobs.patronage_reminders` asks every
    day). Returns whether they were told now. Once per (coop, period): the coop's row is locked
    first, then the event `patronage.period_unproposed` (subject: the coop and the period's start)
    is looked for, so two runs at once tell once. A sandbox coop is never told (it shares nothing)."""
    coop = coop_for_update(getattr(coop, "pk", coop))
    if coop.sandbox_of_id is not None:
        return False
    start, end = period_last(period=rulebook_in_force(coop=coop, at=now)["patronage_period"], now=now)
    if D.objects.filter(coop_id=coop.pk, period_start=start).exists():
        return False  # proposed (adopted, paid, being voted on, or refused by the members' vote)
    subject = ("ledger.patronageperiod", f"{coop.pk}:{start.isoformat()}")
    if Event.objects.filter(type=REMINDER, subject_type=subject[0], subject_id=subject[1]).exists():
        return False
    event_record(type=REMINDER, coop=coop.pk, subject=subject,
                 payload={"coop": coop.pk, "period_start": start.isoformat(), "period_end": end.isoformat()})
    last_day = date.fromordinal(end.toordinal() - 1)
    for steward in stewards_of(coop.pk):
        notify(user=steward, kind="patronage", link=reverse("ledger:patronage"), subject=f"{subject[0]}:{subject[1]}",
               message=gettext_noop("The patronage period from %(start)s to %(end)s has ended and nobody proposed to "
                                    "share its surplus: a steward may propose it on the patronage page."),
               params={"start": start.isoformat(), "end": last_day.isoformat()})
    return True
