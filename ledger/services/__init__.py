"""Every movement of money, one module per concern (docs/ledger.md):

- `movements`: the one path every movement takes (`_move`), the input checks, deposits,
  bonuses, juror pay, treasury funding and donations;
- `escrow`: holding a project's money, releasing it on approval, refunding unused slots;
- `payouts`: a member's payout request, settled or failed by a steward;
- `corrections`: reversing a mistaken transaction;
- `reconciliation`: the books checked against themselves and the other apps;
- `rates`: the operator's exchange rates for showing local currencies (no money moves).

Each service is atomic, records its event in the same database transaction, and is
idempotent by `key`. `from ledger import services` keeps working: the public names are
re-exported here. The treasury's services (`ledger/treasury.py`) use the same path."""

from ledger.services.corrections import PAYOUT_KINDS, transaction_reverse
from ledger.services.escrow import escrow_hold, escrow_refund, escrow_release, escrow_releases_lock
from ledger.services.movements import (
    MAX_AMOUNT,
    MAX_KEY,
    SANDBOX_BALANCE_CAP,
    SANDBOX_TOP_UP,
    bonus_pay,
    deposit_record,
    juror_pay,
    sandbox_money_add,
    treasury_fund,
    wallet_donate,
)
from ledger.services.payouts import payout_fail, payout_request, payout_settle
from ledger.services.rates import exchange_rate_set
from ledger.services.reconciliation import reconciliation_run

__all__ = [
    "MAX_AMOUNT", "MAX_KEY", "PAYOUT_KINDS", "bonus_pay", "deposit_record", "escrow_hold", "escrow_refund",
    "escrow_release", "escrow_releases_lock", "exchange_rate_set", "juror_pay", "payout_fail", "payout_request",
    "payout_settle",
    "SANDBOX_BALANCE_CAP", "SANDBOX_TOP_UP", "reconciliation_run", "sandbox_money_add",
    "transaction_reverse", "treasury_fund", "wallet_donate",
]
