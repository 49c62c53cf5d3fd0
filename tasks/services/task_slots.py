"""One task's slots, after publishing: close a task (its open slots refunded, no more claims)
or add slots to it (paid into escrow at once). The MTurk-compatible API uses them for a HIT's
expiry, DeleteHIT and CreateAdditionalAssignmentsForHIT; they know nothing of MTurk.

Locks: the project, then the task's slots in pk order (tasks/locks.py), as `project_cancel`;
`slot_reopen` takes the project's lock too, so a slot given back after a close is refunded."""

from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from coop.core.db import retry_transaction
from coop.eventlog.services import event_record
from coop.federation.selectors import rulebook_in_force
from tasks import escrow
from tasks.access import staff_check
from tasks.errors import InvalidState
from tasks.fees import batch_fees
from tasks.locks import project_for_update, task_open_slots_for_update
from tasks.models import Project, Slot, Task
from tasks.selectors import terms_of
from tasks.services.open_slots import open_slots_closed, open_slots_opened

MAX_SLOTS_PER_TASK = 50


def _task(task):
    return Task.objects.get(pk=getattr(task, "pk", task))


@retry_transaction
@transaction.atomic
def task_close(*, actor: User, task: Task, now: datetime | None = None) -> int:
    """No more claims on this task: its open slots are cancelled and refunded now. Work already
    claimed may be finished and is reviewed as usual. Returns the amount refunded."""
    now = now or timezone.now()
    task = _task(task)
    project = project_for_update(task.project_id)
    if actor is not None:
        staff_check(user=actor, organisation=project.organisation)
    if project.status == Project.Status.REVIEW:  # issue 23: the escrow holds exactly the batch under review
        raise InvalidState("project_in_review", _("This project awaits the stewards' review: close tasks once it "
                                                  "is open."))
    open_slots = task_open_slots_for_update(task.pk)
    amount = 0
    if open_slots:
        slots = list(Slot.objects.filter(pk__in=open_slots))
        Slot.objects.filter(pk__in=open_slots).update(status=Slot.Status.CANCELLED)
        amount = sum(project.reward + slot.fee for slot in slots) if project.published_at else 0
        escrow.refund_closed_task(project=project, task_id=task.pk, slot_ids=open_slots, amount=amount, actor=actor)
        open_slots_closed(project_id=project.pk, slot_ids=open_slots)
    if task.closed_at is None or open_slots:
        Task.objects.filter(pk=task.pk, closed_at__isnull=True).update(closed_at=now)
        event_record(type="task.closed", coop=project.coop_id, actor=actor, subject=project,
                     payload={"project": project.pk, "organisation": project.organisation_id, "task": task.pk,
                              "slots": len(open_slots), "refunded": amount})
    return amount


@retry_transaction
@transaction.atomic
def task_slots_add(*, actor: User, task: Task, count: int, now: datetime | None = None) -> int:
    """Open `count` more slots on one task of a published project, paid into escrow at once
    (reward and fees under the project's terms). Returns the amount held."""
    task = _task(task)
    project = project_for_update(task.project_id)
    staff_check(user=actor, organisation=project.organisation)
    if project.status not in (Project.Status.OPEN, Project.Status.PAUSED):
        raise InvalidState("project_not_open", _("Slots can be added only to an open or paused project."))
    if task.closed_at is not None:
        raise InvalidState("task_closed", _("This task is closed."))
    existing = Slot.objects.filter(task=task).aggregate(n=Max("number"))["n"]
    first = 0 if existing is None else existing + 1
    if isinstance(count, bool) or not isinstance(count, int) or count < 1 or first + count > MAX_SLOTS_PER_TASK:
        raise InvalidState("too_many_slots", _("A task has at most %(n)s slots.") % {"n": MAX_SLOTS_PER_TASK})
    terms = terms_of(project, rulebook_in_force(coop=project.coop))
    fees = batch_fees(reward=project.reward, slots=count, rulebook=terms)
    slots = Slot.objects.bulk_create([Slot(task=task, project=project, number=first + i, status=Slot.Status.OPEN,
                                           is_gold=task.is_gold, fee_coop=c, fee_federation=f, fee_juror=j)
                                      for i, (c, f, j) in enumerate(fees.slots)])
    open_slots_opened(project_id=project.pk, slot_ids=[slot.pk for slot in slots])
    amount = project.reward * count + fees.total
    project.fee_coop += fees.fee_coop
    project.fee_federation += fees.fee_federation
    project.fee_juror += fees.fee_juror
    escrow.hold(project=project, amount=amount, actor=actor)
    project.save()
    event_record(type="task.slots_added", coop=project.coop_id, actor=actor, subject=project,
                 payload={"project": project.pk, "organisation": project.organisation_id, "task": task.pk,
                          "slots": count, "amount": amount})
    return amount


@transaction.atomic(savepoint=False)
def task_gold_mark(*, task: Task | int, gold: bool) -> int:
    """Mark a task gold or plain, with all its slots, so the claim can mix gold tasks into each
    member's work at the project's rate (tasks/services/claiming.py). Nests in its caller's
    transaction; returns the number of slots marked.

    Records no event of its own: it is one half of its caller's write, tasks.quality's
    `gold_set` / `gold_remove`, which record `task.gold_set` / `task.gold_removed`. Takes no lock
    a claim waits on: a claim skips a slot this holds (SKIP LOCKED) and takes another."""
    task_id = getattr(task, "pk", task)
    Task.objects.filter(pk=task_id).update(is_gold=bool(gold))
    return Slot.objects.filter(task_id=task_id).update(is_gold=bool(gold))
