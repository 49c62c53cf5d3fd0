"""Payouts: a member asks for their wallet's money (`payout_request`, the amount moves to
the coop's payouts-pending account), a steward settles it once paid outside (`payout_settle`)
or fails it (`payout_fail`, the money goes back)."""

import uuid
from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from accounts.services import notify
from coop.core.db import retry_transaction
from coop.core.errors import Conflict, Forbidden
from coop.core.money import format_amount
from coop.eventlog.services import event_record
from coop.federation.models import Membership
from coop.federation.rulebook import DEFAULT_PAYOUT_METHODS
from coop.federation.selectors import coop_is_sandbox, rulebook_in_force
from ledger import posting
from ledger.errors import InvalidPayout, NotYours, SandboxRefused
from ledger.locks import payout_for_update
from ledger.models import Payout, Transaction
from ledger.payout_methods import destination_clean
from ledger.posting import Leg
from ledger.selectors import wallet_balance
from ledger.services.movements import _amount, _idempotent, _key, _membership, _move, _pk, _steward, _text

# --- payouts ---------------------------------------------------------------------------

@retry_transaction
@transaction.atomic
def payout_request(*, user: User, amount: int, method: str, details: str = "", destination: dict | None = None,
                   key: str | None = None, now: datetime | None = None) -> Payout:
    """A member asks to withdraw `amount` from their wallet with one of their coop's payout
    methods. The money moves to the coop's payout clearing account until a steward settles
    or fails it. At least `payout_minimum`, except a member who left withdrawing everything.
    `destination` is the method's fields (ledger/payout_methods.py), checked one by one and
    stored as `details`; the local rails need it, the two generic methods also take a free
    `details` instead. `key` (optional) makes a double submit of the same form request once."""
    user_id = _pk(user, "member")
    _amount(amount)
    details = _text(details, limit=300, field="details")
    membership = _membership(user)
    if membership is None or membership.status == Membership.Status.APPLICANT:
        raise NotYours("no_wallet", _("You have no wallet in a coop yet."))
    coop_id = membership.coop_id
    if coop_is_sandbox(coop_id):
        raise SandboxRefused()
    rb = rulebook_in_force(coop=membership.coop, at=now)
    methods = list(rb["payout_methods"])
    if method not in methods:
        raise InvalidPayout("invalid_method", _("Choose one of your coop's payout methods."), {"methods": methods})
    if destination is not None or method not in DEFAULT_PAYOUT_METHODS:
        details = destination_clean(method=method, destination=destination or {})
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
                                 rulebook_version=rb.version, request_transaction=tx,
                                 requested_at=now or timezone.now())


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
def payout_settle(*, steward: User, payout: Payout, reference: str, now: datetime | None = None) -> Payout:
    """A steward records the external payment reference. Above `payout_four_eyes_above` the
    first steward's record waits for a second, different steward to confirm the same
    reference; only then does the money leave for the outside world."""
    reference = _text(reference, limit=200, field="reference", required=True)
    payout = _payout_open(steward, payout)
    threshold = rulebook_in_force(coop=payout.coop, at=now)["payout_four_eyes_above"]
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
    payout.decided_at = now or timezone.now()
    payout.final_transaction = tx
    payout.save(update_fields=["status", "reference", "decided_by", "decided_at", "final_transaction"])
    notify(user=payout.user, kind="payout.settled", message=gettext_noop("Your payout was sent (reference %(ref)s)."),
           params={"ref": reference}, link=reverse("ledger:wallet"))
    return payout


@retry_transaction
@transaction.atomic
def payout_fail(*, steward: User, payout: Payout, reason: str) -> Payout:
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
