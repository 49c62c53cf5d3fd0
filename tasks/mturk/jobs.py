"""django-q2 entry points of the MTurk-compatible API."""

from django.utils import timezone

from coop.core.batch import batch_run
from tasks.mturk.models import Hit
from tasks.mturk.services import hit_expire


def hits_expire_due(now=None):
    """Close the HITs whose lifetime is over (their open slots refunded), one transaction each
    (`coop.core.batch.batch_run`: one that fails is logged and the job goes on). Runs every
    minute; a HIT already closed is skipped, so running twice does nothing more. Returns how
    many were due."""
    now = now or timezone.now()
    due = list(Hit.objects.filter(expires_at__lte=now, task__closed_at__isnull=True).values_list("pk", flat=True)[:500])
    batch_run(due, lambda pk: hit_expire(hit=Hit.objects.get(pk=pk), now=now), name="mturk.jobs.hits_expire_due")
    return len(due)
