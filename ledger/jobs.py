"""django-q2 entry points (scheduled by migration 0003)."""

from django.db import transaction

from ledger.services import reconciliation_run


def reconcile():
    """Nightly: check the books against their postings (one short transaction)."""
    with transaction.atomic(durable=True):
        report = reconciliation_run()
    return {"ok": report.ok, "findings": len(report.findings)}
