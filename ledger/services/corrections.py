"""Corrections: ledger rows are never updated or deleted; the operator reverses a
mistaken transaction with a new one (`transaction_reverse`)."""


from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from coop.core.db import retry_transaction
from coop.core.errors import Conflict, NotFound
from ledger import posting
from ledger.models import Transaction
from ledger.posting import Leg
from ledger.services.movements import _idempotent, _move, _operator, _pk, _text

# --- corrections -----------------------------------------------------------------------

PAYOUT_KINDS = (Transaction.Kind.PAYOUT_REQUEST, Transaction.Kind.PAYOUT_SETTLE, Transaction.Kind.PAYOUT_FAIL)


@retry_transaction
@transaction.atomic
def transaction_reverse(*, operator: User, transaction: Transaction | int, reason: str) -> Transaction:
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
