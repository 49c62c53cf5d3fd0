"""A HIT's life after creation: expiry, extension, deletion, more assignments, review status,
and NotifyWorkers. Atomic, nesting in the endpoint's transaction, like tasks/mturk/services/hits.py."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import ApiKey, User
from accounts.services import notify
from coop.eventlog.services import event_record
from tasks import services as task_services
from tasks.models import Assignment
from tasks.mturk.models import AssignmentsToken, Hit, Notified
from tasks.mturk.protocol import MturkError
from tasks.mturk.services.hits import _call


@transaction.atomic
def hit_expire(*, hit: Hit, actor: User | None = None, now: datetime | None = None) -> int:
    """The HIT's lifetime is over (or the requester ended it): its open slots are refunded and
    no one may claim it; claimed work may be finished. Safe to run again."""
    now = now or timezone.now()
    refunded = task_services.task_close(actor=actor, task=hit.task_id, now=now)
    if hit.expires_at > now:
        Hit.objects.filter(pk=hit.pk).update(expires_at=now)
        hit.expires_at = now
    return refunded


@transaction.atomic
def hit_expiration_update(*, key: ApiKey, hit: Hit, expire_at: datetime, now: datetime | None = None) -> int:
    """UpdateExpirationForHIT: a time in the past ends the HIT now; a later time extends a HIT
    that has not expired yet (an expired HIT's slots were refunded: create a new HIT)."""
    now = now or timezone.now()
    if expire_at <= now:
        return hit_expire(hit=hit, actor=key.created_by, now=now)
    if hit.expires_at <= now or hit.task.closed_at is not None:
        raise MturkError(f"HIT {hit.code} has expired and its open assignments were refunded: create a new HIT.",
                         "Atelier.HitExpired")
    Hit.objects.filter(pk=hit.pk).update(expires_at=expire_at)
    event_record(type="mturk.hit_extended", coop=hit.project.coop_id, actor=key.created_by, subject=hit.project,
                 payload={"organisation": key.organisation_id, "hit": hit.pk})
    return 0


@transaction.atomic
def hit_delete(*, key: ApiKey, hit: Hit, now: datetime | None = None) -> None:
    """DeleteHIT, as MTurk allows it: when no work on it is in progress or waiting for review.
    Its open slots are refunded; the HIT is then Disposed and leaves ListHITs."""
    now = now or timezone.now()
    waiting = Assignment.objects.filter(task_id=hit.task_id, status__in=[
        Assignment.Status.CLAIMED, Assignment.Status.REVISION_REQUESTED, Assignment.Status.SUBMITTED]).count()
    if waiting:
        raise MturkError(f"HIT {hit.code} has {waiting} assignment(s) in progress or waiting for review: approve or "
                         "reject them (and let claimed work finish) before deleting it.",
                         "AWS.MechanicalTurk.HITNotDeletable")
    hit_expire(hit=hit, actor=key.created_by, now=now)
    Hit.objects.filter(pk=hit.pk).update(deleted_at=now)
    event_record(type="mturk.hit_deleted", coop=hit.project.coop_id, actor=key.created_by, subject=hit.project,
                 payload={"organisation": key.organisation_id, "hit": hit.pk})


@transaction.atomic
def hit_assignments_add(*, key: ApiKey, hit: Hit, count: int, token: str | None = None,
                        now: datetime | None = None) -> int:
    """CreateAdditionalAssignmentsForHIT: more slots on the HIT's task, paid into escrow."""
    now = now or timezone.now()
    if token is not None:
        if not isinstance(token, str) or not 1 <= len(token) <= 64:
            raise MturkError("UniqueRequestToken must be 1 to 64 characters.")
        marker = f"assignments:{token}"
        if AssignmentsToken.objects.filter(organisation=key.organisation, token=marker).exists():
            raise MturkError(f"Assignments were already added with the UniqueRequestToken {token}.",
                             "AWS.MechanicalTurk.AssignmentsAlreadyAdded")
    if hit.expires_at <= now or hit.deleted_at:
        raise MturkError(f"HIT {hit.code} has expired: create a new HIT.", "Atelier.HitExpired")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise MturkError("NumberOfAdditionalAssignments must be a whole number above zero.")
    amount = _call(task_services.task_slots_add, actor=key.created_by, task=hit.task_id, count=count, now=now)
    Hit.objects.filter(pk=hit.pk).update(max_assignments=hit.max_assignments + count)
    if token is not None:
        AssignmentsToken.objects.create(organisation=key.organisation, token=marker)
    return amount


@transaction.atomic
def hit_review_status_update(*, key: ApiKey, hit: Hit, revert: bool) -> None:
    """UpdateHITReviewStatus: Reviewing (Revert false) or back to Reviewable (Revert true).

    Records no event: a requester's own sorting mark on its HIT (what `ListReviewableHITs`
    shows them); it decides nothing for any worker and moves no money."""
    Hit.objects.filter(pk=hit.pk).update(reviewing=not revert)


NOTIFY_PER_HOUR = 10  # NotifyWorkers calls per organisation and hour
NOTIFY_MAX_WORKERS = 100


@transaction.atomic
def workers_notify(*, key: ApiKey, members: Iterable[User], subject: str, text: str,
                   now: datetime | None = None) -> None:
    """NotifyWorkers: a private notice to each member, under your pseudonym for them (they see
    the organisation's name, as on its projects). Rate-limited per organisation."""
    now = now or timezone.now()
    subject, text = str(subject or "").strip(), str(text or "").strip()
    if not subject or len(subject) > 200 or not text or len(text) > 4096 or "\x00" in subject + text:
        raise MturkError("Subject (up to 200 characters) and MessageText (up to 4096) are required.")
    recent = Notified.objects.filter(organisation=key.organisation, created_at__gte=now - timedelta(hours=1)).count()
    if recent >= NOTIFY_PER_HOUR:
        raise MturkError(f"At most {NOTIFY_PER_HOUR} NotifyWorkers calls an hour: try again later.",
                         "Atelier.Throttled")
    Notified.objects.create(organisation=key.organisation, workers=len(members), created_at=now)
    for member in members:
        notify(user=member, kind="requester_message",
               message=gettext_noop("%(org)s writes to you: %(subject)s — %(text)s"),
               params={"org": key.organisation.name, "subject": subject, "text": text})
    event_record(type="mturk.workers_notified", actor=key.created_by, subject=key.organisation,
                 payload={"organisation": key.organisation_id, "workers": len(members)})
