"""Requester scorecards: every figure comes from the records (assignments as the marketplace
decided them, appeals as juries decided them, payments in the ledger), never from opinions.

Figures (minor units per hour where money):
- effective hourly pay: for each paid assignment, reward × 3600 / seconds actually spent
  (claim to submit); the overall figure is total reward over total time; median, p25, p75.
- rejection rate: assignments ever rejected (rejected, final, appealed, upheld, overturned,
  frozen, voided) over reviewed assignments.
- appeals lost: overturned share of the requester's decided appeals.
- time to pay: median hours from submission to payment (approval, or the jury's decision).
- estimate below reality: share of projects with paid work whose measured median time
  exceeds the requester's estimate.
- tasks paid, members paid."""

from statistics import median

from django.db import transaction
from django.utils import timezone

from tasks.appeals.models import Appeal, Scorecard
from tasks.models import Assignment, Project

PAID = (Assignment.Status.APPROVED, Assignment.Status.OVERTURNED, Assignment.Status.VOIDED)
EVER_REJECTED = (Assignment.Status.REJECTED, Assignment.Status.REJECTION_FINAL, Assignment.Status.APPEALED,
                 Assignment.Status.UPHELD, Assignment.Status.OVERTURNED, Assignment.Status.FROZEN,
                 Assignment.Status.VOIDED)
REVIEWED = PAID + EVER_REJECTED


def _quantile(values, q):
    """Nearest-rank quantile (q in 0..100) of sorted integers."""
    if not values:
        return None
    values = sorted(values)
    rank = max(1, -(-q * len(values) // 100))  # ceil
    return values[min(rank, len(values)) - 1]


def scorecard_compute(*, organisation_id):
    rows = list(Assignment.objects.filter(project__organisation_id=organisation_id, status__in=REVIEWED)
                .values("id", "status", "task_id", "member_id", "project_id", "time_spent_seconds", "submitted_at",
                        "reviewed_at", "project__reward", "project__estimated_minutes"))
    paid = [r for r in rows if r["status"] in PAID]
    timed = [r for r in paid if r["time_spent_seconds"]]
    rates = [r["project__reward"] * 3600 // r["time_spent_seconds"] for r in timed]
    total_seconds = sum(r["time_spent_seconds"] for r in timed)
    overall = sum(r["project__reward"] for r in timed) * 3600 // total_seconds if total_seconds else None
    decided = Appeal.objects.filter(organisation_id=organisation_id, kind=Appeal.Kind.REJECTION,
                                    status__in=[Appeal.Status.UPHELD, Appeal.Status.OVERTURNED])
    decided_at = dict(decided.values_list("assignment_id", "decided_at"))
    overturned = decided.filter(status=Appeal.Status.OVERTURNED).count()
    pay_hours = []
    for r in paid:
        paid_at = decided_at.get(r["id"]) if r["status"] == Assignment.Status.OVERTURNED else r["reviewed_at"]
        if paid_at and r["submitted_at"]:
            pay_hours.append(int((paid_at - r["submitted_at"]).total_seconds()) // 3600)
    per_project = {}
    for r in timed:
        estimate_and_times = per_project.setdefault(r["project_id"], (r["project__estimated_minutes"], []))
        estimate_and_times[1].append(r["time_spent_seconds"])
    under = sum(1 for estimate, times in per_project.values() if median(times) > estimate * 60)
    rejected = sum(1 for r in rows if r["status"] in EVER_REJECTED)
    published = Project.objects.filter(organisation_id=organisation_id, published_at__isnull=False)
    declared = published.exclude(end_client="").count()  # issue 23: which share said who the data is for
    published = published.count()
    return {
        "hourly_pay": overall,
        "hourly_pay_median": _quantile(rates, 50),
        "hourly_pay_p25": _quantile(rates, 25),
        "hourly_pay_p75": _quantile(rates, 75),
        "reviewed": len(rows),
        "rejected": rejected,
        "rejection_rate_pct": rejected * 100 // len(rows) if rows else None,
        "appeals_decided": decided.count(),
        "appeals_lost": overturned,
        "appeals_lost_pct": overturned * 100 // decided.count() if decided.count() else None,
        "time_to_pay_hours_median": _quantile(pay_hours, 50),
        "projects_measured": len(per_project),
        "projects_estimate_below_reality": under,
        "estimate_below_reality_pct": under * 100 // len(per_project) if per_project else None,
        "tasks_paid": len({r["task_id"] for r in paid}),
        "members_paid": len({r["member_id"] for r in paid}),
        "projects_published": published,
        "projects_declared_client": declared,
        "declared_client_pct": declared * 100 // published if published else None,
    }


@transaction.atomic
def scorecard_refresh(*, organisation_id):
    """Compute and store the organisation's scorecard. Run by the jobs (hourly for every
    organisation, and after each appeal decided), never by a page or an API read.

    Records no event: a scorecard is derived from records that each have their own event, and
    is recomputed from them whole; its row is a cache of those figures, not a decision."""
    figures = scorecard_compute(organisation_id=organisation_id)
    card, _created = Scorecard.objects.update_or_create(organisation_id=organisation_id,
                                                        defaults={"figures": figures, "computed_at": timezone.now()})
    return card

