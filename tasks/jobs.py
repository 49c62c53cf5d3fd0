"""django-q2 entry points. Each job finds what is due by looking at dates (so a missed run
catches up), and handles each item in its own short transaction (`coop.core.batch.batch_run`,
DESIGN.md seam 8: an item that fails is logged and the job goes on); every step is
idempotent, so running a job twice changes nothing the second time."""

from datetime import timedelta

from django.utils import timezone

from coop.core.batch import batch_run
from tasks import services
from tasks.models import Assignment
from tasks.services.imports import task_import_run

BATCH = 500


def _each(ids, fn, now):
    """Each assignment in its own durable transaction; one that fails is logged and skipped."""
    return batch_run(ids, lambda pk: fn(assignment_id=pk, now=now), name=f"tasks.jobs.{fn.__name__}").done


def auto_approve_due(now=None):
    """Approve submitted work left unreviewed past its project's auto-approval delay."""
    now = now or timezone.now()
    submitted = Assignment.objects.filter(status=Assignment.Status.SUBMITTED)
    due = []
    for hours in submitted.values_list("project__auto_approval_hours", flat=True).distinct().order_by():
        due += submitted.filter(project__auto_approval_hours=hours, submitted_at__lte=now - timedelta(hours=hours)
                                ).order_by("pk").values_list("pk", flat=True)
    due.sort()
    return _each(list(due[:BATCH * 20]), services.assignment_auto_approve, now)


def expire_due(now=None):
    """Expire claimed work past its time limit (slots reopen); lapsed revisions go back to review."""
    now = now or timezone.now()
    due = (Assignment.objects.filter(status__in=Assignment.OPEN_STATUSES, deadline_at__lte=now)
           .order_by("pk").values_list("pk", flat=True))
    return _each(list(due[:BATCH * 20]), services.assignment_expire, now)


def finalise_rejections_due(now=None):
    """Make unappealed rejections final once the appeal window closed, refunding the escrow."""
    now = now or timezone.now()
    due = (Assignment.objects.filter(status=Assignment.Status.REJECTED, appeal_deadline__lte=now)
           .order_by("pk").values_list("pk", flat=True))
    return _each(list(due[:BATCH * 20]), services.assignment_rejection_finalise, now)


def watchers_notify(project_id, coop_wide=False):
    return services.watchers_notify(project_id=project_id, coop_wide=coop_wide)


def import_run(import_id):
    return task_import_run(import_id=import_id)

