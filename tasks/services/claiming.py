"""Claiming a slot (DESIGN.md seam 4) and giving it back.

On PostgreSQL a claim is ONE call of the database function `atelier_claim` (tasks migration
0011; `_claim_in_database`), which does the steps below and leaves to this Python path whatever it
does not decide exactly as it (docs/marketplace.md "Claims"). The Python path, the reference (on
SQLite, and for what the function leaves), is one short transaction of a few statements (issue 18):

1. `coop.federation.locks.membership_for_update` locks the claimant's membership row (claims by
   the same member queue, so the open cap and the fair share hold); then `claim_context`
   (tasks/selectors.py) reads, in one statement, all that eligibility and the fair share need;
   the rulebook's content comes from the per-process cache of immutable versions. The other
   apps' checks (required qualifications) run after it.
2. The claim itself, on PostgreSQL ONE statement (`CLAIM_SQL`): take the first open slot the
   member has not worked on with `FOR NO KEY UPDATE SKIP LOCKED` (in a project that mixes gold
   tasks in, of the kind the member's share calls for first: `GOLD_OR_PLAIN_SLOT`), mark it
   taken, insert the assignment (its id drawn in statement 1) and its event, and decrement the
   slot's stripe of the project's open count (tasks.models.OpenSlotStripe: after the slot, in the
   global lock order of tasks/locks.py). Elsewhere (SQLite) the same steps run through plain
   statements.

The claim takes no lock on the project's row (issue 18: when it decremented a counter there, a
project's claims passed one at a time, each holding the row through its COMMIT). Its status
was read by statement 1 without a lock, which is safe: a cancel or a task's close locks the open
slots it cancels, so it waits for a claim holding one, and then finds that slot taken; a claim
that read the project open just before a pause is a claim made before the pause. The unique
constraints on (task, member) and on a slot's live assignment make a second claim of the same
task or slot impossible whatever happens above them."""

import contextlib
import functools
import math
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from coop.core import clock
from coop.core.db import execute_one, retry_transaction
from coop.core.entropy import token_bytes
from coop.core.errors import NotFound
from coop.eventlog.clock import now_us
from coop.eventlog.listeners import event_heard, listeners_for
from coop.eventlog.services import event_record, event_statement
from coop.federation.locks import membership_for_update
from coop.federation.models import Membership
from coop.federation.selectors import Rulebook, rulebook_numbered
from coop.ops import metrics
from tasks import escrow
from tasks.eligibility import MemberContext, eligibility_with, registered_checks
from tasks.errors import FairShareReached, InvalidState, NoFreeSlot, NotEligible, OpenCapReached
from tasks.locks import free_slot_for_update, project_for_update, slot_for_update
from tasks.models import Assignment, Project, Slot, Task
from tasks.selectors import claim_context
from tasks.services.open_slots import STRIPES, open_slots_closed, open_slots_opened

ENDED = (Assignment.Status.RETURNED, Assignment.Status.EXPIRED)

# The stripe's decrement depends on the slot's update (FROM t), so the slot's lock comes first.
CLAIM_SQL = """
WITH s AS (
    {slot_sql}
), t AS (
    UPDATE tasks_slot SET status = 'taken' FROM s WHERE tasks_slot.id = s.id
    RETURNING tasks_slot.id, tasks_slot.task_id
), a AS (
    INSERT INTO tasks_assignment (id, slot_id, task_id, project_id, member_id, status, rulebook_version,
                                  claimed_at, deadline_at, auto_approved, revision_comment, revisions,
                                  rejection_reason, rejection_explanation)
    SELECT %s, t.id, t.task_id, %s, %s, 'claimed', %s, %s, %s, false, '', 0, '', '' FROM t
    RETURNING slot_id, task_id
), c AS (
    UPDATE tasks_openslotstripe SET count = count - 1 FROM t
     WHERE tasks_openslotstripe.project_id = %s AND tasks_openslotstripe.stripe = t.id %% {stripes}
), ev AS ({event_sql})
SELECT a.slot_id, a.task_id, (SELECT id FROM ev) FROM (SELECT 1) one LEFT JOIN a ON true
"""
# The slot: the first open one of the project the member has not worked on, that no other claim
# holds. Its parameters are the project's id and the member's. OFFSET 0 keeps the NOT EXISTS a
# probe of the unique (task, member) index per slot looked at: as an anti-join the planner may read
# the member's whole history first, which it does when its statistics say the member has little.
ANY_SLOT = """SELECT sl.id, sl.task_id FROM tasks_slot sl
     WHERE sl.project_id = %s AND sl.status = 'open'{kind}
       AND NOT EXISTS (SELECT 1 FROM tasks_assignment w WHERE w.task_id = sl.task_id AND w.member_id = %s OFFSET 0)
     ORDER BY sl.id LIMIT 1
       FOR NO KEY UPDATE OF sl SKIP LOCKED"""
PLAIN_SLOT = ANY_SLOT.format(kind="")  # the statement as before issue 20: a project without a gold rate
# Issue 20, a project that mixes gold in: the first slot of the kind the member's share calls for
# (`want_gold` of `claim_context`), else the first of the other kind, so the claim never fails
# while a slot is free. Parameters: project, want, member, project, want, member. The second branch runs only when
# the first finds nothing (LIMIT over UNION ALL stops at the first row), and each locks only the
# slot it returns. The gold branch walks the partial index slot_open_gold_idx.
GOLD_OR_PLAIN_SLOT = ("SELECT * FROM (SELECT * FROM (" + ANY_SLOT.format(kind=" AND sl.is_gold = %s") + ") wanted"
                      " UNION ALL SELECT * FROM (" + ANY_SLOT.format(kind=" AND sl.is_gold <> %s") + ") other) either"
                      " LIMIT 1")


def fair_share_cap(*, slots: int, eligible_members: int) -> int:
    """ceil(slots / eligible members), at least 1."""
    return max(1, math.ceil(slots / max(1, eligible_members)))


def _claim_context(member, project, row, now):
    """The eligibility context of a claim from statement 1's row (no further query)."""
    ctx = MemberContext(None, at=now)
    ctx.member = member
    ctx.membership = Membership(pk=row["membership_id"], user_id=member.pk, coop_id=row["coop_id"],
                                status=Membership.Status.ACTIVE)
    ctx.open_count = row["open_count"]
    ctx.consents = {project.pk: set(row["consent"] or [])}
    ctx._rulebooks[row["coop_id"]] = rulebook_numbered(coop=row["coop_id"], number=row["rulebook"])
    return ctx


# The rulebook number last seen in force per coop in this process: the database function checks
# the claim against that version's parameters and answers 'fallback' when another is in force.
_IN_FORCE: dict[int, int] = {}

CLAIM_FUNCTION_SQL = "SELECT * FROM atelier_claim(%s, %s, %s, %s, %s, %s, %s, %s)"
# The call as its own transaction (no transaction open): its COMMIT does not wait for the WAL
# flush (`synchronous_commit` off for this one transaction, set in the same statement). A claim
# moves no money and holds no work; what follows from it (its submission, the sequencer's chain
# of its event, a webhook's delivery) commits synchronously, which flushes the claim's WAL first
# (WAL is written in order). A crash of PostgreSQL can lose only the claims of its last moments
# (wal_writer_delay × 3 at most): their slots are open again (docs/marketplace.md "Claims").
CLAIM_FUNCTION_ASYNC_SQL = ("SELECT c.* FROM atelier_claim(%s, %s, %s, %s, %s, %s, %s, %s) c, "
                            "set_config('synchronous_commit', 'off', true) s")


def in_force_guess(coop_id: int) -> Rulebook | None:
    """The rulebook this process last saw in force in `coop_id` (from its cache of versions), or
    None: what the database functions are asked to check a claim or a submission against."""
    number = _IN_FORCE.get(coop_id)
    if number is None:
        return None
    try:
        return rulebook_numbered(coop=coop_id, number=number)
    except NotFound:  # no such version in this coop (the database restored, test ids reused): ask anew
        _IN_FORCE.pop(coop_id, None)
        return None


def in_force_seen(coop_id: int, number: int | None) -> None:
    if number is not None:
        _IN_FORCE[coop_id] = number


def in_own_transaction() -> contextlib.AbstractContextManager:
    """Around one call of a database function: nothing when no transaction is open (the call is
    its own transaction, one round trip); inside one, a savepoint, so that an error of the call
    (a unique constraint) undoes only it, as the Python path's own atomic block does."""
    return transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()


def _checks_in_database(project) -> bool:
    """Every registered eligibility check says the database function decides what it would say
    about `project` (`check.in_database(project)`): a check without it sends claims to Python."""
    return all(getattr(check, "in_database", lambda _project: False)(project) for check in registered_checks())


def _claim_in_database(member, project, now):
    """The claim as ONE call of `atelier_claim` (migration tasks 0011): the membership lock, the
    context read, the checks, the fair share and the claim itself, in one round trip; in autocommit
    when no transaction is open (the call is then the whole transaction), else inside it. Returns
    the Assignment, raises the errors the Python path raises for no free slot, the fair share, a
    project not open; returns None for anything the function leaves to Python (not a member, a
    reason not to be eligible, a rulebook other than the one last seen in force, a check it does not
    know), having written nothing."""
    rulebook = in_force_guess(project.coop_id)
    if rulebook is None or not _checks_in_database(project):
        return None
    flags = set(project.data_flags or [])
    if flags & set(rulebook["banned_data_categories"]):
        return None  # a refusal: Python words it
    try:
        # inside a caller's transaction the setting would reach its other writes: only alone
        sql = CLAIM_FUNCTION_SQL if connection.in_atomic_block else CLAIM_FUNCTION_ASYNC_SQL
        with in_own_transaction():
            outcome, assignment_id, slot_id, task_id, deadline, number, cap, until, event_id, membership_id = \
                execute_one(sql, [member.pk, project.pk, project.coop_id, now, rulebook.version,
                                  rulebook["max_open_assignments"], token_bytes(16), now_us()])
    except IntegrityError:
        raise InvalidState("already_claimed", _("You already worked on this task."))
    if outcome == "claimed":
        metrics.event_recorded("assignment.claimed")
        if listeners_for("assignment.claimed"):
            event_heard(event_id=event_id, type="assignment.claimed", coop_id=project.coop_id, actor_id=member.pk,
                        subject_type="tasks.assignment", subject_id=str(assignment_id),
                        payload={"assignment": assignment_id, "project": project.pk,
                                 "organisation": project.organisation_id, "membership": membership_id})
        return _claimed(assignment_id, slot_id, task_id, project, member, now, deadline, number)
    in_force_seen(project.coop_id, number)
    if outcome == "no_slot":
        raise NoFreeSlot()
    if outcome == "fair_share":
        raise FairShareReached(extra={"cap": cap, "until": until.isoformat()})
    if outcome == "project_not_open":
        raise InvalidState("project_not_open", _("This project is not open for work now."))
    return None  # 'not_a_member', 'fallback'


@retry_transaction
def assignment_claim(*, member: User, project: Project, now: datetime | None = None) -> Assignment:
    """Give `member` (a User) a free slot of `project`; return the new Assignment.

    On PostgreSQL ONE call of the database function `atelier_claim` (migration tasks 0011) when
    it can decide the claim as the Python path would (`_claim_in_database`); otherwise, and
    elsewhere, the Python path (`_claim_in_python`, the reference), in its own transaction."""
    now = now or clock.now()
    if connection.vendor == "postgresql":
        assignment = _claim_in_database(member, project, now)
        if assignment is not None:
            return assignment
    return _claim_in_python(member=member, project=project, now=now)


@transaction.atomic
def _claim_in_python(*, member: User, project: Project, now: datetime) -> Assignment:
    """The claim in Python: the reference the database function agrees with (tests/tasks/
    test_claim_in_database.py), and the path of whatever that function leaves to it."""
    # claims by one member queue on their membership row, so a double tap cannot beat the open cap
    membership = membership_for_update(user=member, coop_id=project.coop_id)
    row = claim_context(user_id=member.pk, project_id=project.pk, now=now) if membership is not None else None
    if row is None:
        raise NotEligible("not_a_member", None, {"reasons": [{"code": "not_a_member"}]})
    if row["status"] != Project.Status.OPEN:
        raise InvalidState("project_not_open", _("This project is not open for work now."))
    # the caller's copy of the project serves the checks: what they read of it (coop, data
    # flags, required qualifications) is fixed at publish; its state came from the row above
    ctx = _claim_context(member, project, row, now)
    reasons = eligibility_with(ctx=ctx, project=project)
    if reasons:
        if any(r["code"] == "open_assignments_cap" for r in reasons) and len(reasons) == 1:
            raise OpenCapReached(extra={"reasons": reasons})
        raise NotEligible(message=reasons[0]["message"], extra={"reasons": reasons})
    if row["fair_share_open"] and row["held"] >= row["fair_share_cap"]:
        until = Project.objects.values_list("fair_share_until", flat=True).get(pk=project.pk)
        raise FairShareReached(extra={"cap": row["fair_share_cap"], "until": until.isoformat()})
    rulebook_version = ctx.rulebook(row["coop_id"]).version
    _IN_FORCE[row["coop_id"]] = row["rulebook"]
    deadline = now + timedelta(minutes=row["time_limit_minutes"])
    payload = {"project": project.pk, "organisation": row["organisation_id"], "membership": row["membership_id"]}
    if connection.vendor == "postgresql":
        assignment_id = row["assignment_id"]
        event_sql, event_params = event_statement(
            type="assignment.claimed", coop=row["coop_id"], actor=member, subject=("tasks.assignment", assignment_id),
            payload={"assignment": assignment_id, **payload})
        want = row["want_gold"]
        slot_sql, slot_params = ((PLAIN_SLOT, [project.pk, member.pk]) if want is None else
                                 (GOLD_OR_PLAIN_SLOT, [project.pk, want, member.pk, project.pk, want, member.pk]))
        try:
            slot_id, task_id, _event = execute_one(
                CLAIM_SQL.format(slot_sql=slot_sql, event_sql=event_sql, stripes=STRIPES),
                [*slot_params, assignment_id, project.pk, member.pk, rulebook_version, now, deadline, project.pk,
                 *event_params])
        except IntegrityError:
            raise InvalidState("already_claimed", _("You already worked on this task."))
        if slot_id is None:
            raise NoFreeSlot()
        metrics.event_recorded("assignment.claimed")
        return _claimed(assignment_id, slot_id, task_id, project, member, now, deadline, rulebook_version)
    return _claim_orm(member, project.pk, row["coop_id"], now, deadline, rulebook_version, payload, row["want_gold"])


@functools.cache
def _claimed_row():
    """A new claim's row as the claim statements write it, every concrete field in order (the
    ones they leave out at their defaults), and where the values that differ go."""
    fields = Assignment._meta.concrete_fields
    row = [None if f.has_default() and callable(f.default) else f.get_default() for f in fields]
    row[[f.attname for f in fields].index("status")] = Assignment.Status.CLAIMED
    return row, {f.attname: i for i, f in enumerate(fields)}


def _claimed(assignment_id, slot_id, task_id, project, member, now, deadline, rulebook_version):
    """The assignment a claim statement (the database function's or CLAIM_SQL) just wrote, as
    the row it wrote: no read back. Made as the ORM makes a row it read (`from_db`, every field
    by position): the keyword constructor walked every field's default at each claim (issue 18)."""
    template, at = _claimed_row()
    row = list(template)
    row[at["id"]], row[at["slot_id"]], row[at["task_id"]] = assignment_id, slot_id, task_id
    row[at["project_id"]], row[at["member_id"]], row[at["rulebook_version"]] = project.pk, member.pk, rulebook_version
    row[at["claimed_at"]], row[at["deadline_at"]] = now, deadline
    assignment = Assignment.from_db("default", None, row)
    assignment.member = member  # the caller's user, cached as the keyword constructor cached it
    return assignment


# The claim's second step on SQLite in hand-written statements (one writer at a time: no row
# locks to take), the same as the ORM's; the ORM spent more compiling them than SQLite running
# them (issue 21). `free_slot_for_update`'s choice: the first open slot of a task the member has
# not worked on, of the wanted kind first.
SQLITE_FREE_SLOT = (f"SELECT s.id, s.task_id FROM {Slot._meta.db_table} s "
                    "WHERE s.project_id = %s AND s.status = %s{gold} AND s.task_id NOT IN "
                    f"(SELECT a.task_id FROM {Assignment._meta.db_table} a "
                    "WHERE a.project_id = %s AND a.member_id = %s) "
                    "ORDER BY s.id LIMIT 1")
SQLITE_SLOT_TAKEN = f"UPDATE {Slot._meta.db_table} SET status = %s WHERE id = %s"


def _free_slot_sqlite(cursor, project_id, member_id, gold):
    kinds = [None] if gold is None else [gold, not gold]
    for kind in kinds:
        params = [project_id, Slot.Status.OPEN, *([] if kind is None else [kind]), project_id, member_id]
        cursor.execute(SQLITE_FREE_SLOT.format(gold="" if kind is None else " AND s.is_gold = %s"), params)
        row = cursor.fetchone()
        if row is not None:
            return row
    return None


def _claim_orm(member, project_id, coop_id, now, deadline, rulebook_version, payload, want_gold):
    """The claim's second step without PostgreSQL: the same steps, locks and choice of slot as CLAIM_SQL."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            row = _free_slot_sqlite(cursor, project_id, member.pk, want_gold)
            if row is None:
                raise NoFreeSlot()
            slot = Slot(pk=row[0], task_id=row[1])
            cursor.execute(SQLITE_SLOT_TAKEN, [Slot.Status.TAKEN, slot.pk])
    else:
        worked = Assignment.objects.filter(project_id=project_id, member=member).values("task_id")
        slot = free_slot_for_update(project_id=project_id, exclude_tasks=worked, gold=want_gold)
        if slot is None:
            raise NoFreeSlot()
        Slot.objects.filter(pk=slot.pk).update(status=Slot.Status.TAKEN)
    open_slots_closed(project_id=project_id, slot_ids=[slot.pk])
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(
                slot_id=slot.pk, task_id=slot.task_id, project_id=project_id, member=member,
                status=Assignment.Status.CLAIMED, claimed_at=now, deadline_at=deadline,
                rulebook_version=rulebook_version)
    except IntegrityError:
        raise InvalidState("already_claimed", _("You already worked on this task."))
    event_record(type="assignment.claimed", coop=coop_id, actor=member,
                 subject=assignment, payload={"assignment": assignment.pk, **payload})
    return assignment


def slot_reopen(*, slot: Slot | int, project: Project, assignment: Assignment, actor: User | None = None) -> None:
    """`slot` is a Slot or its id. A returned or expired assignment gives its slot back:
    claimable again, or refunded at once when the project was cancelled meanwhile. Caller holds
    the assignment's lock.

    The project's lock decides, in the global order (assignment, project, slot): a cancel holds
    it while it refunds the open slots, so either the cancel ran first and this sees the project
    cancelled and refunds the slot itself, or this runs first and the cancel, which waits for
    the lock, then finds the slot open and refunds it with the others. Read without the lock, a
    cancel in between left the slot open in a cancelled project, its money stranded in escrow
    (issue 24). A task closed by its requester (`task_close`, under the same lock) likewise.

    Records no event of its own: its callers record why the slot came back
    (`assignment.returned`, `assignment.expired`), and a refund records its own through
    `escrow.refund_slot`."""
    project = project_for_update(project.pk)
    slot = slot_for_update(getattr(slot, "pk", slot))
    if project.status == Project.Status.CANCELLED or Task.objects.filter(pk=slot.task_id,
                                                                          closed_at__isnull=False).exists():
        slot.status = Slot.Status.CANCELLED
        slot.save(update_fields=["status"])
        escrow.refund_slot(project=project, slot=slot, actor=actor)
    else:
        slot.status = Slot.Status.OPEN
        slot.save(update_fields=["status"])
        open_slots_opened(project_id=project.pk, slot_ids=[slot.pk])
