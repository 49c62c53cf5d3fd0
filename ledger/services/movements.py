"""The one path every movement of money takes (`_move`: event and postings in one
transaction, replayed by key), the checks every service makes on its input, and the simple
movements: deposits, bonuses, juror pay, treasury funding, donations. Every movement is
atomic, records its event in the same database transaction, and is idempotent by `key`: a
second call with the same key (even racing the first) moves nothing and returns the first
call's transaction.

Keys come from domain ids (DESIGN.md seam 2): `project:<id>:hold:<n>`,
`assignment:<id>:release`, `assignment:<id>:refund`, ... Amounts are integers in minor units."""

import uuid

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from coop.core.db import retry_transaction
from coop.core.errors import DomainError
from coop.core.money import format_amount
from coop.eventlog.services import event_record, event_statement
from coop.federation.access import operator_require, requester_staff_require, steward_require
from coop.federation.models import Coop, Membership
from coop.ops import metrics
from ledger import posting
from ledger.errors import InsufficientFunds, InvalidAmount, KeyReused, NotYours, SandboxRefused, UnknownAccount
from ledger.locks import balances_for_update
from ledger.models import Account, Posting, Transaction
from ledger.posting import Leg

MAX_AMOUNT = 10**15  # far beyond any real amount; keeps sums inside a 64-bit integer
MAX_KEY = 200


# --- checks ---------------------------------------------------------------------------

def _amount(value, *, name="amount", zero_ok=False):
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidAmount(extra={"field": name})
    if value < 0 or (value == 0 and not zero_ok) or value > MAX_AMOUNT:
        raise InvalidAmount(extra={"field": name, "value": value})
    return value


def _key(key):
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY or "\x00" in key:
        raise DomainError("invalid_key", _("An idempotency key must be a short non-empty text."))
    return key


def _pk(obj, what):
    pk = getattr(obj, "pk", None)
    if pk is None:
        raise UnknownAccount(message=_("Unknown %(what)s.") % {"what": what}, extra={"owner": what})
    return pk


def _text(value, *, limit, field, required=False):
    value = (value or "").strip()
    if "\x00" in value or len(value) > limit:
        raise DomainError("invalid_text", _("This text is too long or not valid."), {"field": field})
    if required and not value:
        raise DomainError("required", _("This field is required."), {"field": field})
    return value


def _operator(user):
    operator_require(user)


def _membership(user, coop_id=None):
    """The user's membership that owns their wallet: live (applicant, active, suspended) or
    the last one (a member who left keeps their wallet)."""
    qs = Membership.objects.filter(user_id=user.pk).exclude(status=Membership.Status.DECLINED)
    if coop_id is not None:
        qs = qs.filter(coop_id=coop_id)
    live = qs.filter(status__in=Membership.LIVE).first()
    return live or qs.order_by("-applied_at", "-pk").first()


def _steward(user, coop_id):
    steward_require(user, coop_id=coop_id,
                    error=NotYours("not_a_steward", _("Only a steward of this coop may do this.")))


def _project(project):
    pk = _pk(project, "project")
    coop_id = getattr(project, "coop_id", None)
    if coop_id is None:
        raise UnknownAccount(message=_("This project has no coop."), extra={"owner": "project"})
    return pk, coop_id, getattr(project, "organisation_id", None)


# --- the one path every movement takes ------------------------------------------------

def _tx_instance(pk, *, key, kind, memo, event_id, reverses_id=None):
    tx = Transaction(pk=pk, key=key, kind=kind, memo=memo, event_id=event_id, reverses_id=reverses_id,
                     created_at=timezone.now())
    tx._state.adding = False
    tx._state.db = "default"
    return tx


def _replay(key, kind, total):
    """The transaction already written with `key`, checked to be the same movement."""
    existing = Transaction.objects.filter(key=key).first()
    if existing is None:
        return None
    moved = sum(p.amount for p in Posting.objects.filter(transaction=existing) if p.amount > 0)
    if existing.kind != kind or moved != total:
        raise KeyReused(extra={"key": key})
    return existing


def _move(*, key, kind, legs, event, memo="", reverses_id=None):
    """Record `event` and post `legs` as one transaction; replay if `key` was used.

    PostgreSQL: the event INSERT and the posting function are ONE statement; called with no
    transaction open, that statement is its own transaction (one round trip, balance locks
    held only while it runs and commits); inside a caller's transaction it runs in a
    savepoint. Elsewhere: an atomic block around `event_record` and the ORM posting. Either
    way a refusal (insufficient funds, a racing duplicate) writes nothing and leaves the
    caller's transaction usable."""
    total = sum(leg.amount for leg in legs if leg.amount > 0)
    try:
        if posting.is_postgres():
            statement = event_statement(**event)
            if connection.in_atomic_block:
                with transaction.atomic():
                    pk, event_id = posting.post_with_event(key=key, kind=kind, memo=memo, event=statement,
                                                           legs=legs, reverses_id=reverses_id)
            else:
                pk, event_id = posting.post_with_event(key=key, kind=kind, memo=memo, event=statement, legs=legs,
                                                       reverses_id=reverses_id)
            metrics.event_recorded(event["type"])  # the posting's own INSERT (event_record counts elsewhere)
        else:
            with transaction.atomic():
                event_id = event_record(**event)
                pk = posting.post(key=key, kind=kind, memo=memo, event_id=event_id, legs=legs,
                                  reverses_id=reverses_id)
    except (IntegrityError, InsufficientFunds, UnknownAccount):
        # A used key: a racing duplicate hits the unique constraint; a replay after the
        # money moved on may hit the balance check first. Either way, the first result.
        existing = _replay(key, kind, total)
        if existing is None:
            raise
        return existing
    metrics.ledger_posted(kind)
    return _tx_instance(pk, key=key, kind=kind, memo=memo, event_id=event_id, reverses_id=reverses_id)


def _idempotent(key, kind, total):
    """Fast replay for calls that read other state first (rulebook, memberships)."""
    return _replay(key, kind, total)


# --- deposits and escrow ----------------------------------------------------------------

@retry_transaction
@transaction.atomic
def deposit_record(*, operator: User, organisation: Organisation | int, amount: int, reference: str) -> Transaction:
    """The federation operator records money received from a requester (outside world ->
    requester balance). The key is the organisation and the external reference, so
    recording the same bank transfer twice moves it once."""
    _operator(operator)
    org_id = _pk(organisation, "organisation")
    _amount(amount)
    if Organisation.objects.filter(pk=org_id, sandbox_of__isnull=False).exists():
        raise SandboxRefused()
    reference = _text(reference, limit=100, field="reference", required=True)
    key = _key(f"deposit:{org_id}:{reference}")
    return _move(
        key=key, kind=Transaction.Kind.DEPOSIT, memo=reference,
        legs=[Leg(posting.world(), -amount), Leg(posting.requester(org_id), amount)],
        event={"type": "ledger.deposit_recorded", "actor": operator, "subject": ("accounts.organisation", org_id),
               "payload": {"organisation": org_id, "amount": amount}},
    )


# Test money: a sandbox organisation's balance is topped up from the sandbox world's outside
# account (never the real one), up to this much at a time (docs/sandbox.md).
SANDBOX_BALANCE_CAP = 1_000_000
SANDBOX_TOP_UP = 100_000


@retry_transaction
@transaction.atomic
def sandbox_money_add(*, actor: User, organisation: Organisation | int, amount: int = SANDBOX_TOP_UP) -> Transaction:
    """The "test money" button: the sandbox world's outside account -> the sandbox
    organisation's balance, at most up to SANDBOX_BALANCE_CAP. Only for a sandbox twin, by
    its staff; a real organisation gets money only by a recorded deposit."""
    org_id = _pk(organisation, "organisation")
    if not Organisation.objects.filter(pk=org_id, sandbox_of__isnull=False).exists():
        raise SandboxRefused()
    requester_staff_require(actor, organisation_id=org_id)
    _amount(amount)
    ref = posting.requester(org_id)
    accounts = posting.accounts_get([ref], create=True)
    held = balances_for_update([accounts[ref]])[accounts[ref]].amount  # two clicks at once stay under the cap
    amount = min(amount, SANDBOX_BALANCE_CAP - held)
    if amount <= 0:
        raise DomainError("sandbox_cap", _("The sandbox holds enough test money already (at most %(cap)s).")
                          % {"cap": format_amount(SANDBOX_BALANCE_CAP)})
    key = _key(f"sandbox_money:{org_id}:{uuid.uuid4().hex}")
    return _move(
        key=key, kind=Transaction.Kind.DEPOSIT, memo="test money",
        legs=[Leg(posting.world(sandbox=True), -amount), Leg(ref, amount)],
        event={"type": "ledger.sandbox_money_added", "actor": actor, "subject": ("accounts.organisation", org_id),
               "payload": {"organisation": org_id, "amount": amount}},
    )


@retry_transaction
@transaction.atomic
def bonus_pay(*, organisation: Organisation | int, user: User, amount: int, key: str, actor: User | None = None,
              memo: str = "") -> Transaction:
    """A requester pays a member a bonus from its balance."""
    org_id = _pk(organisation, "organisation")
    user_id = _pk(user, "member")
    _amount(amount)
    key = _key(key)
    memo = _text(memo, limit=300, field="memo")
    membership = _membership(user)
    if membership is None:
        raise UnknownAccount(message=_("This person has no wallet here."), extra={"owner": "member"})
    return _move(
        key=key, kind=Transaction.Kind.BONUS, memo=memo,
        legs=[Leg(posting.requester(org_id), -amount), Leg(posting.wallet(user_id), amount)],
        event={"type": "ledger.bonus_paid", "coop": membership.coop_id, "actor": actor,
               "subject": ("accounts.organisation", org_id),
               "payload": {"organisation": org_id, "user": user_id, "amount": amount, "key": key}},
    )


def _split_draw(*, kind, coop_id, amount, credit):
    """Seam 16: lock every sub-account of a split account (and the account credited, all in
    pk order), then draw from the sub-accounts in pk order. Returns the debit legs."""
    shard_ids = dict(Account.objects.filter(kind=kind, owner_kind=posting.OWNER_COOP, owner_id=coop_id)
                     .values_list("pk", "shard"))
    credit_id = posting.accounts_get([credit], create=True)[credit]
    locked = balances_for_update([*shard_ids, credit_id])
    available = sum(locked[pk].amount for pk in shard_ids)
    if available < amount:
        raise InsufficientFunds(extra={"account": kind, "balance": available, "amount": amount})
    legs, left = [], amount
    for pk in sorted(shard_ids):
        take = min(left, locked[pk].amount)
        if take > 0:
            legs.append(Leg(posting.Ref(kind, posting.OWNER_COOP, coop_id, shard_ids[pk]), -take, must_exist=True))
            left -= take
        if left == 0:
            break
    return legs


@retry_transaction
@transaction.atomic
def juror_pay(*, coop: Coop | int, user: User, amount: int, key: str, actor: User | None = None) -> Transaction:
    """Pay a juror from the coop's juror fund (split: drawn per seam 16)."""
    coop_id = _pk(coop, "coop")
    user_id = _pk(user, "member")
    _amount(amount)
    key = _key(key)
    if replay := _idempotent(key, Transaction.Kind.JUROR_PAY, amount):
        return replay
    if _membership(user, coop_id) is None:
        raise NotYours("not_a_member", _("Jurors are paid only into the wallet of a member of this coop."))
    credit = posting.wallet(user_id)
    legs = _split_draw(kind=Account.Kind.JUROR_FUND, coop_id=coop_id, amount=amount, credit=credit)
    return _move(
        key=key, kind=Transaction.Kind.JUROR_PAY, legs=[*legs, Leg(credit, amount)],
        event={"type": "ledger.juror_paid", "coop": coop_id, "actor": actor, "subject": ("federation.coop", coop_id),
               "payload": {"user": user_id, "amount": amount, "key": key}},
    )


@retry_transaction
@transaction.atomic
def treasury_fund(*, coop: Coop | int, project: models.Model, amount: int, key: str,
                  actor: User | None = None) -> Transaction:
    """The coop funds a project's escrow from its treasury (e.g. its own paid tests)."""
    coop_id = _pk(coop, "coop")
    project_id, project_coop_id, _org = _project(project)
    owner = posting.escrow_owner_kind(project)
    if project_coop_id != coop_id:
        raise NotYours("not_your_coop", _("A coop funds only its own projects."))
    _amount(amount)
    key = _key(key)
    if replay := _idempotent(key, Transaction.Kind.TREASURY_FUND, amount):
        return replay
    credit = posting.escrow(project_id, owner)
    legs = _split_draw(kind=Account.Kind.TREASURY, coop_id=coop_id, amount=amount, credit=credit)
    return _move(
        key=key, kind=Transaction.Kind.TREASURY_FUND, legs=[*legs, Leg(credit, amount)],
        event={"type": "ledger.treasury_funded", "coop": coop_id, "actor": actor,
               "subject": (owner, project_id),
               "payload": {"project": project_id, "amount": amount, "key": key}},
    )


@transaction.atomic
def wallet_donate(*, user: User, amount: int, key: str) -> Transaction:
    """A member gives money from their wallet to their coop's treasury (e.g. what is left when
    they leave the federation with erasure). The treasury is split: the sub-account is chosen
    by a hash of `key`."""
    user_id = _pk(user, "member")
    _amount(amount)
    key = _key(key)
    membership = _membership(user)
    if membership is None or membership.status == Membership.Status.APPLICANT:
        raise NotYours("no_wallet", _("You have no wallet in a coop yet."))
    coop_id = membership.coop_id
    return _move(
        key=key, kind=Transaction.Kind.DONATION,
        legs=[Leg(posting.wallet(user_id), -amount, must_exist=True),
              Leg(posting.treasury(coop_id, posting.shard_for(key)), amount)],
        event={"type": "ledger.wallet_donated", "coop": coop_id, "actor": user_id,
               "subject": ("federation.coop", coop_id), "payload": {"user": user_id, "amount": amount, "key": key}},
    )
