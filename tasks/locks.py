"""Where the marketplace locks rows, in the one global order of docs/ledger.md ("Lock order"):
a member's membership (`coop.federation.locks.membership_for_update`, the one membership lock),
then assignments (pk order), then the project, then slots (pk order), then the project's
open-slot stripes (tasks/services/open_slots.py), then ledger balances (account-id order,
`ledger.locks`).

Every lock here is FOR NO KEY UPDATE on the named rows only (`of=("self",)`): rows joined for
reading (coop, organisation, member) are not locked, and a lock on a row does not block the
FOREIGN KEY checks of rows inserted under it (they take KEY SHARE, which FOR UPDATE blocks and
FOR NO KEY UPDATE does not; Django's foreign keys are checked at COMMIT, after the balance locks,
so a FOR UPDATE on a parent row made two transactions deadlock at commit, issue 24)."""

import functools

from django.db import connection
from django.db.models import Q

from accounts.models import Organisation
from coop.core.db import execute_one, instance_from_row, instance_get, select_columns
from tasks.models import Assignment, Project, Slot


def _for_update(qs):
    return qs.select_for_update(no_key=True, of=("self",))


# SQLite takes no row locks (one writer at a time; `select_for_update` is a no-op there): the
# same rows and instances through a hand-written statement (`instance_get`), which costs far less
# than the ORM compiling a six-table select_related at every review (issue 21).
def _sqlite_get(model, pk, related):
    instance = instance_get(model, pk, related)
    if instance is None:
        raise model.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")
    return instance


def project_for_update(pk: int):
    """Lock one project (its coop and organisation are read, not locked)."""
    if connection.vendor == "sqlite":
        return _sqlite_get(Project, pk, ("coop", "organisation"))
    return _for_update(Project.objects.select_related("coop", "organisation")).get(pk=pk)


ASSIGNMENT_RELATED = ("project", "project__coop", "project__organisation", "member", "slot", "task")


def assignment_for_update(pk: int):
    """Lock one assignment (its project is read, not locked)."""
    if connection.vendor == "sqlite":
        return _sqlite_get(Assignment, pk, ASSIGNMENT_RELATED)
    return _for_update(Assignment.objects).select_related(*ASSIGNMENT_RELATED).get(pk=pk)


def assignment_of_member_for_update(pk: int):
    """Lock one assignment for its member's own writes (draft, submit, return): with its project
    and the project's organisation read, nothing else (the task, slot and member stay lazy).

    One hand-written statement through `execute_one`: on PostgreSQL prepared by the driver once
    the connection has run it a few times (issue 18: the ORM's statement was planned at every
    submission, 2.3 ms to plan a 0.2 ms join), with the same row lock and the same instances as
    the ORM's query; on SQLite (no row locks) without the lock clause, where the ORM spent more
    compiling the three tables' columns than SQLite running the join (issue 21).
    Raises Assignment.DoesNotExist."""
    row = execute_one(_assignment_of_member_sql(connection.vendor), [pk])
    if row is None:
        raise Assignment.DoesNotExist(f"Assignment {pk} does not exist.")
    assignment, at = instance_from_row(Assignment, row)
    project, at = instance_from_row(Project, row, at)
    project.organisation, _end = instance_from_row(Organisation, row, at)
    assignment.project = project
    return assignment


@functools.cache
def _assignment_of_member_sql(vendor):
    # SQLite has no row locks (one writer at a time; the ORM's select_for_update is a no-op
    # there): the same statement without the lock clause
    lock = " FOR NO KEY UPDATE OF a" if vendor == "postgresql" else ""
    return (f"SELECT {select_columns(Assignment, 'a')}, {select_columns(Project, 'p')}, "
            f"{select_columns(Organisation, 'o')} FROM {Assignment._meta.db_table} a "
            f"JOIN {Project._meta.db_table} p ON p.id = a.project_id "
            f"JOIN {Organisation._meta.db_table} o ON o.id = p.organisation_id "
            f"WHERE a.id = %s{lock}")


def assignments_for_update(ids):
    return list(_for_update(Assignment.objects).filter(pk__in=list(ids))
                .select_related("project", "member").order_by("pk"))


def slot_for_update(pk: int):
    return _for_update(Slot.objects).get(pk=pk)


def open_slots_for_update(project_id: int):
    """Lock the project's open slots (pk order); returns their ids."""
    return list(_for_update(Slot.objects).filter(project_id=project_id, status=Slot.Status.OPEN)
                .order_by("pk").values_list("pk", flat=True))


def task_open_slots_for_update(task_id: int):
    """Lock one task's open slots (pk order); returns their ids."""
    return list(_for_update(Slot.objects).filter(task_id=task_id, status=Slot.Status.OPEN)
                .order_by("pk").values_list("pk", flat=True))


def unpaid_slots_for_update(project_id: int):
    """Lock the project's slots whose money is still in escrow: open ones and those whose live
    assignment is not yet paid or refunded (pk order). For raising the reward to the floor."""
    unpaid = Slot.objects.filter(Q(status=Slot.Status.OPEN) | Q(assignments__status__in=Assignment.HOLDING_STATUSES),
                                 project_id=project_id).values("pk")
    return list(_for_update(Slot.objects).filter(pk__in=unpaid).order_by("pk"))


def free_slot_for_update(*, project_id: int, exclude_tasks, gold: bool | None = None):
    """The first open slot of the project nobody else is claiming (SKIP LOCKED: claims by
    different members never wait on each other), locked; None if there is none. With `gold`
    (issue 20), the first of that kind if there is one, else the first of the other kind."""
    slots = (Slot.objects.select_for_update(no_key=True, skip_locked=True, of=("self",))
             .filter(project_id=project_id, status=Slot.Status.OPEN).exclude(task_id__in=exclude_tasks)
             .order_by("pk"))
    if gold is None:
        return slots.first()
    return slots.filter(is_gold=gold).first() or slots.filter(is_gold=not gold).first()
