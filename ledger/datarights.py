"""The ledger's part of a member's data rights (accounts.datarights): their wallet statement and
payouts in "Download my data"; before erasure, the wallet must be empty (paid out, or given to
the coop's treasury when the member chooses) and no payout may be open. Ledger rows are never
changed: amounts stay, only a payout's free-text details are replaced."""

from django.utils.translation import gettext as _

from coop.core.money import format_amount
from ledger import selectors
from ledger.models import Payout
from ledger.services import wallet_donate


def wallet_lines(*, user):
    return [{"date": line.transaction.created_at, "transaction": line.transaction_id, "kind": line.transaction.kind,
             "memo": line.transaction.memo, "amount": line.amount, "balance_after": line.balance_after}
            for line in selectors.wallet_statement(user=user).order_by("pk")]


def payout_rows(*, user):
    return [{"payout": p.pk, "requested_at": p.requested_at, "amount": p.amount, "method": p.method,
             "details": p.details, "status": p.status, "reference": p.reference, "decided_at": p.decided_at,
             "failure_reason": p.failure_reason}
            for p in Payout.objects.filter(user=user).order_by("pk")]


def wallet_prepare(*, user, donate):
    """Give what is left in the wallet to the coop's treasury, when the member chose to."""
    balance = selectors.wallet_balance(user=user)
    if donate and balance > 0:
        wallet_donate(user=user, amount=balance, key=f"erasure:{user.pk}:donation")


def wallet_blockers(*, user):
    reasons = []
    if Payout.objects.filter(user=user, status__in=Payout.OPEN).exists():
        reasons.append(("payout_open", _("A payout of yours is still open: wait until a steward sends it or "
                                         "records that it failed.")))
    balance = selectors.wallet_balance(user=user)
    if balance > 0:
        reasons.append(("wallet_not_empty", _("Your wallet still holds %(amount)s. Withdraw it first, or give it "
                                              "to your coop's treasury.") % {"amount": format_amount(balance)}))
    return reasons


def payouts_erase(*, user, tombstone):
    Payout.objects.filter(user=user).exclude(details="").update(details=tombstone)


def payout_subjects(*, user):
    return [("ledger.payout", pk) for pk in Payout.objects.filter(user=user).values_list("pk", flat=True)]
