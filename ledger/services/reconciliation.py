"""Reconciliation: the books checked against themselves and against what the other
apps say they owe (`reconciliation_run`, run by the nightly job)."""


from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce

from accounts.models import User
from coop.core.db import retry_transaction
from coop.eventlog.services import event_record
from ledger.models import Account, Balance, Posting, Reconciliation, Transaction
from ledger.selectors import (
    escrow_obligations,
    escrow_owner_kinds_checked,
    reconciliation_checks,
    sandbox_account_ids,
)

# --- reconciliation ----------------------------------------------------------------------

def _world_findings():
    """The sandbox's books apart from the real ones (docs/sandbox.md): no transaction posts to
    accounts of both worlds, and each world's balances sum to zero on their own."""
    sandbox = set(sandbox_account_ids())
    if not sandbox:
        return []
    findings = []
    mixed = (Posting.objects.values("transaction_id")
             .annotate(inside=Count("pk", filter=Q(account_id__in=sandbox)),
                       outside=Count("pk", filter=~Q(account_id__in=sandbox)))
             .filter(inside__gt=0, outside__gt=0).values_list("transaction_id", flat=True)[:100])
    findings += [{"check": "worlds_mixed", "transaction": pk} for pk in mixed]
    total = Balance.objects.filter(account_id__in=sandbox).aggregate(t=Coalesce(Sum("amount"), 0))["t"]
    if total != 0:
        findings.append({"check": "sandbox_books_sum_to_zero", "total": total})
    return findings


@retry_transaction
@transaction.atomic
def reconciliation_run(*, actor: User | None = None) -> Reconciliation:
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
    findings += _world_findings()
    for check in reconciliation_checks():
        findings.extend(check())
    report = Reconciliation.objects.create(
        ok=not findings, findings=findings, accounts_checked=Balance.objects.count(),
        transactions_checked=Transaction.objects.count(), escrow_checked=owed is not None,
    )
    event_record(type="ledger.reconciled", actor=actor, subject=report,
                 payload={"ok": report.ok, "findings": len(findings), "escrow_checked": owed is not None})
    return report
