"""django-q2 entry points of the MTurk-compatible API."""

from django.db import transaction
from django.utils import timezone

from tasks.mturk.models import Hit
from tasks.mturk.services import hit_expire


def hits_expire_due(now=None):
    """Close the HITs whose lifetime is over (their open slots refunded), one transaction each.
    Runs every minute; a HIT already closed is skipped, so running twice does nothing more."""
    now = now or timezone.now()
    due = list(Hit.objects.filter(expires_at__lte=now, task__closed_at__isnull=True).values_list("pk", flat=True)[:500])
    for pk in due:
        with transaction.atomic(durable=True):
            hit_expire(hit=Hit.objects.get(pk=pk), now=now)
    return len(due)
