"""Every movement of money. Each service is atomic, records its event in the same database
transaction, and is idempotent by `key`: a second call with the same key (even racing the
first) moves nothing and returns the first call's transaction.

Keys come from domain ids (DESIGN.md seam 2): `project:<id>:hold:<n>`,
`assignment:<id>:release`, `assignment:<id>:refund`, ... Amounts are integers in minor units."""

import json
import uuid

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.services import notify
from coop.core.db import retry_transaction
from coop.core.errors import Conflict, DomainError, Forbidden, NotFound
from coop.core.money import format_amount
from coop.eventlog.services import event_record, event_statement
from coop.federation.access import operator_require, steward_require
from coop.federation.models import Membership
from coop.federation.selectors import rulebook_in_force
from coop.ops import metrics
from ledger import posting
from ledger.errors import InsufficientFunds, InvalidAmount, InvalidPayout, KeyReused, NotYours, UnknownAccount
from ledger.locks import balances_for_update, idempotency_record_for_update, payout_for_update
from ledger.models import Account, Balance, IdempotencyRecord, Payout, Posting, Reconciliation, Transaction
from ledger.posting import Leg
from ledger.selectors import escrow_obligations, escrow_owner_kinds_checked, reconciliation_checks, wallet_balance

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
def deposit_record(*, operator, organisation, amount, reference):
    """The federation operator records money received from a requester (outside world ->
    requester balance). The key is the organisation and the external reference, so
    recording the same bank transfer twice moves it once."""
    _operator(operator)
    org_id = _pk(organisation, "organisation")
    _amount(amount)
    reference = _text(reference, limit=100, field="reference", required=True)
    key = _key(f"deposit:{org_id}:{reference}")
    return _move(
        key=key, kind=Transaction.Kind.DEPOSIT, memo=reference,
        legs=[Leg(posting.world(), -amount), Leg(posting.requester(org_id), amount)],
        event={"type": "ledger.deposit_recorded", "actor": operator, "subject": ("accounts.organisation", org_id),
               "payload": {"organisation": org_id, "amount": amount}},
    )


def _project(project):
    pk = _pk(project, "project")
    coop_id = getattr(project, "coop_id", None)
    if coop_id is None:
        raise UnknownAccount(message=_("This project has no coop."), extra={"owner": "project"})
    return pk, coop_id, getattr(project, "organisation_id", None)


def escrow_hold(*, project, amount, key, actor=None):
    """Publishing: rewards and fees, as fixed at publish, from the requester balance into the
    project's escrow. InsufficientFunds (`insufficient_funds`) when the balance is short."""
    project_id, coop_id, org_id = _project(project)
    owner = posting.escrow_owner_kind(project)
    if org_id is None:
        raise UnknownAccount(message=_("This project has no requester to hold money from."),
                             extra={"owner": "organisation"})
    _amount(amount)
    key = _key(key)
    return _move(
        key=key, kind=Transaction.Kind.ESCROW_HOLD,
        legs=[Leg(posting.requester(org_id), -amount), Leg(posting.escrow(project_id, owner), amount)],
        event={"type": "ledger.escrow_held", "coop": coop_id, "actor": actor, "subject": (owner, project_id),
               "payload": {"project": project_id, "organisation": org_id, "amount": amount, "key": key}},
    )


def _release_legs(*, project_id, owner, coop_id, user_id, reward, fee_coop, fee_federation, fee_juror, key):
    shard = posting.shard_for(key)
    return [
        Leg(posting.escrow(project_id, owner), -(reward + fee_coop + fee_federation + fee_juror), must_exist=True),
        Leg(posting.wallet(user_id), reward),
        Leg(posting.treasury(coop_id, shard), fee_coop),
        Leg(posting.federation_fee(shard), fee_federation),
        Leg(posting.juror_fund(coop_id, shard), fee_juror),
    ]


def escrow_release(*, project, user, reward, fee_coop, fee_federation, fee_juror, key, actor=None):
    """Approval: from the project's escrow, the reward to the member's wallet and the fee's
    coop, federation and juror-fund parts (exactly as fixed at publish) to the split shared
    accounts (the sub-account is chosen by a hash of `key`)."""
    project_id, coop_id, _org = _project(project)
    owner = posting.escrow_owner_kind(project)
    user_id = _pk(user, "member")
    _amount(reward, name="reward", zero_ok=True)
    _amount(fee_coop, name="fee_coop", zero_ok=True)
    _amount(fee_federation, name="fee_federation", zero_ok=True)
    _amount(fee_juror, name="fee_juror", zero_ok=True)
    total = reward + fee_coop + fee_federation + fee_juror
    if total == 0:
        raise InvalidAmount(extra={"field": "reward", "value": 0})
    key = _key(key)
    return _move(
        key=key, kind=Transaction.Kind.ESCROW_RELEASE,
        legs=_release_legs(project_id=project_id, owner=owner, coop_id=coop_id, user_id=user_id, reward=reward,
                           fee_coop=fee_coop, fee_federation=fee_federation, fee_juror=fee_juror, key=key),
        event={"type": "ledger.escrow_released", "coop": coop_id, "actor": actor,
               "subject": (owner, project_id),
               "payload": {"project": project_id, "user": user_id, "reward": reward, "fee_coop": fee_coop,
                           "fee_federation": fee_federation, "fee_juror": fee_juror, "key": key}},
    )


def escrow_releases_lock(*, project, releases):
    """Call inside the transaction, before SEVERAL releases from one escrow (a bulk approval):
    lock every balance they will change, all at once in account-id order (ledger.locks).

    One posting takes its locks in that order by itself, but a transaction posting n times takes
    them posting by posting and holds them to its commit: a bulk approval paying member A then B
    (and shard 3 then shard 7) against another paying B then A deadlocked 35 times in 40 (issue
    24). With every lock taken first, in the global order, the postings then find their rows
    already locked. `releases`: dicts with `user`, `reward`, `fee_coop`, `fee_federation`,
    `fee_juror` and `key`, as `escrow_release` takes them. PostgreSQL only: SQLite has one writer."""
    if not posting.is_postgres() or len(releases) < 2:
        return
    project_id, coop_id, _org = _project(project)
    owner = posting.escrow_owner_kind(project)
    legs = [leg for r in releases for leg in _release_legs(
        project_id=project_id, owner=owner, coop_id=coop_id, user_id=_pk(r["user"], "member"), reward=r["reward"],
        fee_coop=r["fee_coop"], fee_federation=r["fee_federation"], fee_juror=r["fee_juror"], key=_key(r["key"]))
        if leg.amount]
    ids = posting.accounts_get([leg.ref for leg in legs if leg.must_exist])
    ids.update(posting.accounts_get([leg.ref for leg in legs if not leg.must_exist], create=True))
    balances_for_update(ids.values())


def escrow_refund(*, project, amount, key, actor=None):
    """Unused or upheld-rejection money from the escrow back to the requester's balance (or,
    for a project the coop funded itself, back to the coop's treasury)."""
    project_id, coop_id, org_id = _project(project)
    owner = posting.escrow_owner_kind(project)
    _amount(amount)
    key = _key(key)
    target = posting.requester(org_id) if org_id is not None else posting.treasury(coop_id, posting.shard_for(key))
    return _move(
        key=key, kind=Transaction.Kind.ESCROW_REFUND,
        legs=[Leg(posting.escrow(project_id, owner), -amount, must_exist=True), Leg(target, amount)],
        event={"type": "ledger.escrow_refunded", "coop": coop_id, "actor": actor,
               "subject": (owner, project_id),
               "payload": {"project": project_id, "organisation": org_id, "amount": amount, "key": key}},
    )


@retry_transaction
@transaction.atomic
def bonus_pay(*, organisation, user, amount, key, actor=None, memo=""):
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
def juror_pay(*, coop, user, amount, key, actor=None):
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
def treasury_fund(*, coop, project, amount, key, actor=None):
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
def wallet_donate(*, user, amount, key):
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


# --- payouts ---------------------------------------------------------------------------

@retry_transaction
@transaction.atomic
def payout_request(*, user, amount, method, details="", key=None):
    """A member asks to withdraw `amount` from their wallet with one of their coop's payout
    methods. The money moves to the coop's payout clearing account until a steward settles
    or fails it. At least `payout_minimum`, except a member who left withdrawing everything.
    `key` (optional) makes a double submit of the same form request once."""
    user_id = _pk(user, "member")
    _amount(amount)
    details = _text(details, limit=300, field="details")
    membership = _membership(user)
    if membership is None or membership.status == Membership.Status.APPLICANT:
        raise NotYours("no_wallet", _("You have no wallet in a coop yet."))
    coop_id = membership.coop_id
    rb = rulebook_in_force(coop=membership.coop)
    methods = list(rb["payout_methods"])
    if method not in methods:
        raise InvalidPayout("invalid_method", _("Choose one of your coop's payout methods."), {"methods": methods})
    key = _key(f"payout:{user_id}:{key}" if key else f"payout:{user_id}:{uuid.uuid4().hex}")
    if replay := _idempotent(key, Transaction.Kind.PAYOUT_REQUEST, amount):
        return Payout.objects.get(request_transaction=replay)
    if amount < rb["payout_minimum"]:
        leaving = membership.status == Membership.Status.LEFT and amount == wallet_balance(user=user)
        if not leaving:
            raise InvalidPayout("below_minimum",
                                _("The minimum payout is %(min)s.") % {"min": format_amount(rb["payout_minimum"])},
                                {"minimum": rb["payout_minimum"]})
    tx = _move(
        key=key, kind=Transaction.Kind.PAYOUT_REQUEST, memo=method,
        legs=[Leg(posting.wallet(user_id), -amount), Leg(posting.payout_clearing(coop_id), amount)],
        event={"type": "payout.requested", "coop": coop_id, "actor": user_id, "subject": ("accounts.user", user_id),
               "payload": {"user": user_id, "amount": amount, "method": method, "key": key}},
    )
    existing = Payout.objects.filter(request_transaction_id=tx.pk).first()
    if existing:
        return existing
    return Payout.objects.create(user_id=user_id, coop_id=coop_id, amount=amount, method=method, details=details,
                                 rulebook_version=rb.version, request_transaction=tx)


def _payout_open(steward, payout):
    payout_id = _pk(payout, "payout")
    payout = payout_for_update(payout_id)
    _steward(steward, payout.coop_id)
    if payout.status not in Payout.OPEN:
        raise Conflict("payout_closed", _("This payout was already settled or failed."),
                       {"status": payout.status})
    return payout


@retry_transaction
@transaction.atomic
def payout_settle(*, steward, payout, reference):
    """A steward records the external payment reference. Above `payout_four_eyes_above` the
    first steward's record waits for a second, different steward to confirm the same
    reference; only then does the money leave for the outside world."""
    reference = _text(reference, limit=200, field="reference", required=True)
    payout = _payout_open(steward, payout)
    threshold = rulebook_in_force(coop=payout.coop)["payout_four_eyes_above"]
    if payout.amount > threshold:
        if payout.status == Payout.Status.REQUESTED:
            payout.status = Payout.Status.AWAITING_SECOND
            payout.first_steward = steward
            payout.reference = reference
            payout.save(update_fields=["status", "first_steward", "reference"])
            event_record(type="payout.confirmed", coop=payout.coop_id, actor=steward, subject=payout,
                         payload={"payout": payout.pk, "amount": payout.amount})
            return payout
        if payout.first_steward_id == steward.pk:
            raise Forbidden("four_eyes", _("A second steward must confirm this payout."))
        if reference.casefold() != payout.reference.casefold():
            raise Conflict("reference_mismatch",
                           _("This reference differs from the first steward's; check the payment."))
    tx = _move(
        key=f"payout:{payout.pk}:settle", kind=Transaction.Kind.PAYOUT_SETTLE, memo=reference,
        legs=[Leg(posting.payout_clearing(payout.coop_id), -payout.amount, must_exist=True),
              Leg(posting.world(), payout.amount)],
        event={"type": "payout.settled", "coop": payout.coop_id, "actor": steward, "subject": payout,
               "payload": {"payout": payout.pk, "user": payout.user_id, "amount": payout.amount}},
    )
    payout.status = Payout.Status.SETTLED
    payout.reference = reference
    payout.decided_by = steward
    payout.decided_at = timezone.now()
    payout.final_transaction = tx
    payout.save(update_fields=["status", "reference", "decided_by", "decided_at", "final_transaction"])
    notify(user=payout.user, kind="payout.settled", message=gettext_noop("Your payout was sent (reference %(ref)s)."),
           params={"ref": reference}, link=reverse("ledger:wallet"))
    return payout


@retry_transaction
@transaction.atomic
def payout_fail(*, steward, payout, reason):
    """A steward records that the payment failed: the money goes back to the wallet."""
    reason = _text(reason, limit=300, field="reason", required=True)
    payout = _payout_open(steward, payout)
    tx = _move(
        key=f"payout:{payout.pk}:fail", kind=Transaction.Kind.PAYOUT_FAIL, memo=reason[:300],
        legs=[Leg(posting.payout_clearing(payout.coop_id), -payout.amount, must_exist=True),
              Leg(posting.wallet(payout.user_id), payout.amount)],
        event={"type": "payout.failed", "coop": payout.coop_id, "actor": steward, "subject": payout,
               "payload": {"payout": payout.pk, "user": payout.user_id, "amount": payout.amount}},
    )
    payout.status = Payout.Status.FAILED
    payout.failure_reason = reason
    payout.decided_by = steward
    payout.decided_at = timezone.now()
    payout.final_transaction = tx
    payout.save(update_fields=["status", "failure_reason", "decided_by", "decided_at", "final_transaction"])
    notify(user=payout.user, kind="payout.failed",
           message=gettext_noop("Your payout failed and the money is back in your wallet: %(reason)s"),
           params={"reason": reason},
           link=reverse("ledger:wallet"))
    return payout


# --- corrections -----------------------------------------------------------------------

PAYOUT_KINDS = (Transaction.Kind.PAYOUT_REQUEST, Transaction.Kind.PAYOUT_SETTLE, Transaction.Kind.PAYOUT_FAIL)


@retry_transaction
@transaction.atomic
def transaction_reverse(*, operator, transaction, reason):
    """The federation operator corrects a mistake with a transaction that posts the exact
    opposite of the original and points at it. Accounts that may not go negative still may
    not (a deposit already spent cannot be reversed). Payouts are corrected by failing them."""
    _operator(operator)
    reason = _text(reason, limit=300, field="reason", required=True)
    tx_id = _pk(transaction, "transaction")
    original = Transaction.objects.filter(pk=tx_id).first()
    if original is None:
        raise NotFound("unknown_transaction", _("This transaction does not exist."))
    if original.kind == Transaction.Kind.REVERSAL:
        raise Conflict("is_reversal", _("A correction cannot itself be reversed; record a new movement."))
    if original.kind in PAYOUT_KINDS:
        raise Conflict("payout_transaction", _("Payouts are corrected by recording them as failed."))
    key = f"reverse:{original.pk}"
    if replay := _idempotent(key, Transaction.Kind.REVERSAL,
                             sum(-p.amount for p in original.postings.all() if p.amount < 0)):
        return replay
    if Transaction.objects.filter(reverses=original).exists():
        raise Conflict("already_reversed", _("This transaction was already reversed."))
    lines = list(original.postings.select_related("account").order_by("pk"))
    legs = [Leg(posting.Ref(p.account.kind, p.account.owner_kind, p.account.owner_id, p.account.shard), -p.amount,
                must_exist=True) for p in lines]
    coop_id = None
    if lines and lines[0].account.owner_kind == posting.OWNER_COOP:
        coop_id = lines[0].account.owner_id
    return _move(
        key=key, kind=Transaction.Kind.REVERSAL, memo=reason, reverses_id=original.pk,
        legs=legs,
        event={"type": "ledger.transaction_reversed", "coop": coop_id, "actor": operator,
               "subject": ("ledger.transaction", original.pk),
               "payload": {"transaction": original.pk, "kind": original.kind}},
    )


# --- reconciliation ----------------------------------------------------------------------

@retry_transaction
@transaction.atomic
def reconciliation_run(*, actor=None):
    """Check the books and store the report: every balance equals the sum of its postings,
    every transaction has two or more postings summing to zero, all balances together sum to
    zero, and (when the marketplace reports its open obligations) every escrow equals what
    it still owes. Records `ledger.reconciled`."""
    findings = []
    balances = Balance.objects.annotate(posted=Coalesce(Sum("account__postings__amount"), 0))
    for row in balances.exclude(amount=F("posted")).values("account_id", "amount", "posted")[:100]:
        findings.append({"check": "balance_vs_postings", "account": row["account_id"], "balance": row["amount"],
                         "postings": row["posted"]})
    unbalanced = (Transaction.objects.annotate(total=Coalesce(Sum("postings__amount"), 0), lines=Count("postings"))
                  .filter(~Q(total=0) | Q(lines__lt=2)).values("pk", "total", "lines")[:100])
    for row in unbalanced:
        findings.append({"check": "transaction_sums_to_zero", "transaction": row["pk"], "total": row["total"],
                         "postings": row["lines"]})
    grand_total = Balance.objects.aggregate(t=Coalesce(Sum("amount"), 0))["t"]
    if grand_total != 0:
        findings.append({"check": "books_sum_to_zero", "total": grand_total})
    # keyed by (owner kind, owner id): a project's escrow and a test's with the same id are two
    escrows = {(kind, pk): amount for kind, pk, amount in Balance.objects.filter(account__kind=Account.Kind.ESCROW)
               .values_list("account__owner_kind", "account__owner_id", "amount")}
    owed = escrow_obligations(owners=list(escrows))
    if owed is not None:
        checked = escrow_owner_kinds_checked()
        for (owner_kind, owner_id), amount in sorted(escrows.items()):
            if owner_kind not in checked:
                findings.append({"check": "escrow_owner_unknown", "owner_kind": owner_kind, "owner": owner_id,
                                 "escrow": amount})
            elif owed.get((owner_kind, owner_id), 0) != amount:
                findings.append({"check": "escrow_vs_obligations", "owner_kind": owner_kind, "owner": owner_id,
                                 "escrow": amount, "owed": owed.get((owner_kind, owner_id), 0)})
    for check in reconciliation_checks():
        findings.extend(check())
    report = Reconciliation.objects.create(
        ok=not findings, findings=findings, accounts_checked=Balance.objects.count(),
        transactions_checked=Transaction.objects.count(), escrow_checked=owed is not None,
    )
    event_record(type="ledger.reconciled", actor=actor, subject=report,
                 payload={"ok": report.ok, "findings": len(findings), "escrow_checked": owed is not None})
    return report


def idempotency_begin(*, scope, key, method, path, body_hash):
    """Take an API `Idempotency-Key` for a request inside the request's transaction (which must
    be open) and return its row, locked.

    The row is inserted first, pending (`status_code` 0), with `INSERT ... ON CONFLICT DO
    NOTHING`: a twin request racing with the same key waits on that insert until this
    transaction ends, then finds the first response committed (and replays it) or, if this
    request failed and rolled back, takes the key itself. A row returned pending is this
    transaction's own: run the work, then `idempotency_store` (or `idempotency_release`). A
    row returned complete was committed by an earlier request: replay it."""
    IdempotencyRecord.objects.bulk_create([IdempotencyRecord(
        scope=scope, key=key, method=method, path=path, body_hash=body_hash,
        status_code=IdempotencyRecord.PENDING, response={})], ignore_conflicts=True)
    return idempotency_record_for_update(scope=scope, key=key)


def idempotency_store(*, record, status_code, response):
    """Remember the successful response of the request that holds `record` (pending, taken by
    `idempotency_begin` in this transaction): it commits with the request's work."""
    record.status_code = status_code
    record.response = json.loads(json.dumps(response, default=str))
    record.save(update_fields=["status_code", "response"])
    return record


def idempotency_release(*, record):
    """The request holding `record` did not succeed (a non-2xx answer that still commits): free
    the key, so a later retry runs again."""
    record.delete()
