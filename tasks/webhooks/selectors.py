"""Reads of the webhooks: subscriptions, deliveries and attempts for the requester's pages,
and the data of each webhook body (workers by pseudonym only, never a member's id, name or
email)."""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count, QuerySet

from accounts.models import Organisation
from accounts.pseudonyms import worker_pseudonym
from coop.core.db import instances_where
from coop.eventlog.listeners import EventFacts
from ledger.selectors import requester_balance
from tasks.models import Assignment, Project
from tasks.selectors import open_slots_remaining
from tasks.webhooks.models import Attempt, Delivery, Subscription

WAITING = (Assignment.Status.CLAIMED, Assignment.Status.SUBMITTED, Assignment.Status.REVISION_REQUESTED)


def subscriptions_of(*, organisation: Organisation) -> QuerySet[Subscription]:
    return Subscription.objects.filter(organisation=organisation).order_by("pk")


def subscriptions_wanting(*, organisation_id: int, types: Iterable[str]) -> list[Subscription]:
    """The organisation's active subscriptions that want any of `types` (one query)."""
    wanted = set(types)
    # asked after every event of an organisation's work (tasks.webhooks.events): a hand-written
    # read, the same rows as `filter(organisation_id=..., active=True).order_by("pk")` (issue 21)
    found = instances_where(Subscription, 't0."organisation_id" = %s AND t0."active" = %s', [organisation_id, True])
    return [s for s in found if wanted.intersection(s.events)]


def organisations_subscribed() -> set[int]:
    """The organisations with at least one active subscription (the log's catch-up skips the rest)."""
    return set(Subscription.objects.filter(active=True).values_list("organisation_id", flat=True).distinct())


def deliveries_of(*, subscription: Subscription, limit: int = 50) -> list[Delivery]:
    return list(subscription.deliveries.order_by("-pk")[:limit])


def delivery_attempts(*, delivery: Delivery) -> list[Attempt]:
    return list(Attempt.objects.filter(delivery=delivery).order_by("number", "pk"))


def delivery_among(*, organisations: QuerySet[Organisation] | Iterable[Organisation],
                   delivery_id: int) -> Delivery | None:
    """The delivery if it belongs to one of `organisations` (a queryset or list), else None."""
    return (Delivery.objects.select_related("subscription")
            .filter(pk=delivery_id, subscription__organisation__in=organisations).first())


def deliveries_due(*, now: datetime, limit: int = 500) -> list[int]:
    return list(Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
                .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])


# --- what a body says ------------------------------------------------------------------------

def _assignment_data(assignment_id, organisation_id, *, answers=False):
    assignment = (Assignment.objects.filter(pk=assignment_id, project__organisation_id=organisation_id)
                  .only("pk", "task_id", "project_id", "member_id", "status", "answers", "submitted_at",
                        "rejection_reason").first())
    if assignment is None:
        return None
    data = {"assignment": assignment.pk, "task": assignment.task_id, "project": assignment.project_id,
            "worker": worker_pseudonym(user=assignment.member_id, organisation=organisation_id),
            "status": assignment.status}
    if answers:
        data["answers"] = assignment.answers
        data["submitted_at"] = assignment.submitted_at.isoformat() if assignment.submitted_at else None
    if assignment.rejection_reason:
        data["rejection_reason"] = assignment.rejection_reason
    return data


def body_data(*, webhook_type: str, facts: EventFacts, organisation_id: int) -> dict | None:
    """The `data` of a webhook produced directly by an event, or None when there is nothing to say."""
    payload = facts.payload
    if webhook_type.startswith("assignment."):
        data = _assignment_data(payload.get("assignment"), organisation_id,
                                answers=webhook_type == "assignment.submitted")
        if data is None:
            return None
        if webhook_type == "assignment.appealed":
            data["appeal"] = payload.get("appeal")
        if webhook_type == "assignment.decided":
            data["appeal"] = payload.get("appeal")
            data["outcome"] = "overturned" if facts.type == "assignment.overturned" else "upheld"
        if webhook_type == "assignment.approved":
            data["auto"] = bool(payload.get("auto"))
        return data
    if webhook_type == "aggregation.ready":
        return {key: payload[key] for key in ("project", "run", "tasks", "method") if key in payload}
    return None


def project_completion(*, project_id: int, organisation_id: int) -> tuple[str, dict] | None:
    """(source key, data) when the project has no open slot and no work waiting for the member
    or the requester, else None. The key names the batch (holds), so a project that gets new
    tasks and completes again tells again."""
    project = (Project.objects.filter(pk=project_id, organisation_id=organisation_id)
               .only("pk", "holds", "status", "assignments_per_task")
               .annotate(remaining=open_slots_remaining()).first())
    if project is None or project.remaining or project.status == Project.Status.DRAFT:
        return None
    if Assignment.objects.filter(project_id=project_id, status__in=WAITING).exists():
        return None
    counts = dict((status, n) for status, n in _status_counts(project_id))
    data = {"project": project.pk, "tasks": project.tasks.count(),
            "approved": sum(counts.get(s, 0) for s in Assignment.PAID_STATUSES),
            "rejected": sum(n for s, n in counts.items() if s not in Assignment.PAID_STATUSES)}
    return f"project:{project.pk}:completed:{project.holds}", data


def _status_counts(project_id):
    return (Assignment.objects.filter(project_id=project_id).exclude(status__in=("returned", "expired"))
            .values_list("status").annotate(n=Count("pk")).order_by())


def organisation_balance(*, organisation_id: int) -> int:
    return requester_balance(organisation=Organisation(pk=organisation_id))
