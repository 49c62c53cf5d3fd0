"""The marketplace's checks registered with the ledger's nightly reconciliation
(`ledger.selectors.register_reconciliation_check`, wired in tasks/apps.py): each returns what it
found wrong, at most 100 rows, [] when all is well."""

from django.db.models import Count, Sum

from tasks.models import OpenSlotStripe, Project, Slot


def open_slots_in_cancelled_projects() -> list:
    """Registered with the ledger's reconciliation: a cancelled project refunds every slot, so
    an open slot left in one is escrow nobody will ever claim or refund (issue 24)."""
    rows = (Slot.objects.filter(status=Slot.Status.OPEN, project__status=Project.Status.CANCELLED)
            .values_list("project_id").annotate(n=Count("pk")).order_by("project_id"))
    return [{"check": "open_slot_in_cancelled_project", "project": pk, "slots": n} for pk, n in rows[:100]]


def open_slot_counts_off() -> list:
    """Registered with the ledger's reconciliation: a project whose stripes (OpenSlotStripe) do
    not add up to its open slots shows the wrong count in the feed (issue 18)."""
    counted = dict(OpenSlotStripe.objects.order_by().values_list("project_id").annotate(n=Sum("count")))
    actual = dict(Slot.objects.filter(status=Slot.Status.OPEN).order_by().values_list("project_id")
                  .annotate(n=Count("pk")))
    off = sorted(pk for pk in set(counted) | set(actual) if counted.get(pk, 0) != actual.get(pk, 0))
    return [{"check": "open_slot_count_off", "project": pk, "counted": counted.get(pk, 0), "open": actual.get(pk, 0)}
            for pk in off[:100]]
