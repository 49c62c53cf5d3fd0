"""Qualified, then the work vanished (issue 23 part 4; docs/qualification-work.md): tell a
qualification's holders when no open project has needed it for the coop's voted
`qualification_drought_days`, and tell them again when work for it opens."""

from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.services import notify
from coop.eventlog.services import event_record
from coop.federation.selectors import rulebook_in_force
from tasks.qualifications.locks import work_watch_for_update
from tasks.qualifications.models import ProjectRequirement, Qualification, QualificationGrant
from tasks.qualifications.selectors import open_work_counts


def _holders(qualification):
    return [g.member for g in QualificationGrant.objects.filter(qualification=qualification, revoked_at__isnull=True)
            .select_related("member").order_by("member_id")]


@transaction.atomic
def qualification_work_check(*, qualification: Qualification, now: datetime | None = None) -> str:
    """One qualification: record whether open work needs it now; tell its holders once when it ran
    dry for the voted number of days, and once when it opens again. Returns "dry", "reopened" or
    "" (nothing told). Only qualifications some project ever required are watched.

    What members are told records its event (`qualification.work_dried_up`,
    `qualification.work_reopened`). The watch row's bookkeeping (`last_open_at`, `updated_at`,
    written on every hourly run) records none, on purpose: it is the job's memory of when it last
    saw open work, not a decision or a change anyone sees or acts on, and its effect is in the
    events above when it matters; an event per qualification per hour would bury the log."""
    now = now or timezone.now()
    if not ProjectRequirement.objects.filter(qualification=qualification).exists():
        return ""
    watch = work_watch_for_update(qualification.pk)
    open_projects = open_work_counts(qualification_ids=[qualification.pk]).get(qualification.pk, {}).get("projects", 0)
    told = ""
    link = reverse("qualifications:mine") + f"#q{qualification.pk}"
    if open_projects:
        if watch.dry_notified_at is not None:
            for holder in _holders(qualification):
                notify(user=holder, kind="qualification", link=link, params={"name": qualification.name},
                       message=gettext_noop("Work that needs your qualification “%(name)s” is open again."))
            event_record(type="qualification.work_reopened", coop=qualification.coop_id, subject=qualification,
                         payload={"qualification": qualification.pk, "open_projects": open_projects})
            watch.dry_notified_at = None
            told = "reopened"
        watch.last_open_at = now
    elif watch.dry_notified_at is None:
        days = rulebook_in_force(coop=qualification.coop_id, at=now)["qualification_drought_days"]
        since = watch.last_open_at or ProjectRequirement.objects.filter(
            qualification=qualification).order_by("-created_at").values_list("created_at", flat=True).first()
        if now - since >= timedelta(days=days):
            holders = _holders(qualification)
            for holder in holders:
                notify(user=holder, kind="qualification", link=link, params={"name": qualification.name, "n": days},
                       message=gettext_noop("No open work has needed your qualification “%(name)s” for %(n)s "
                                            "days. We will tell you when some opens."))
            event_record(type="qualification.work_dried_up", coop=qualification.coop_id, subject=qualification,
                         payload={"qualification": qualification.pk, "days": days, "holders": len(holders)})
            watch.dry_notified_at = now
            told = "dry"
    watch.updated_at = now
    watch.save()
    return told
