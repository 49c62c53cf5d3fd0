"""The floor measured, not only estimated (issue 16 point 10; docs/marketplace.md).

Publishing checks the floor against the requester's estimate. Once a project has
`floor_check_submissions` submissions (a voted parameter, bounded by the federation), the
measured median time is compared with the estimate, as Prolific does with median completion
time: if the reward works out under the floor at the measured median, the project is paused
(`project_floor_check`, run by `assignment_submit`). It reopens only when the requester raises
the reward to the floor at the measured time (`project_floor_raise`): the remaining work
(open slots and work not yet paid) is paid at the new reward, the extra held in escrow with
its fees; work already paid gets the difference as a bonus from the requester's balance.
Members see the pause and the raise on the project (and get a notice if they worked on it).

Locks: the project row first (`project_for_update`), then the ledger's balance rows inside
its services. Keys: `project:<id>:hold:<n>` for the escrow top-up and
`project:<id>:floor:<n>:bonus:<assignment>` for each bonus, <n> the raise's number."""

import statistics
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from accounts.notices import money
from accounts.services import notify
from coop.core.db import execute_one
from coop.core.errors import DomainError
from coop.core.money import format_amount
from coop.eventlog.services import event_record
from coop.federation.selectors import rulebook_in_force, rulebook_numbered
from tasks import escrow
from tasks.access import staff_check
from tasks.errors import InvalidState
from tasks.exposure import floor_for
from tasks.fees import batch_fees
from tasks.locks import project_for_update, unpaid_slots_for_update
from tasks.models import Assignment, Project, Slot

SAMPLE = 500  # the latest submissions the median is taken over


# The latest SAMPLE measured times, their count and median, and the coop's rulebook number in
# force, in one statement (run at every submission: issue 18). percentile_cont(0.5) is the
# median as `statistics.median` takes it (the mean of the two middle values of an even count).
MEASURED_SQL = """
SELECT COUNT(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY x.t),
       (SELECT v.number FROM federation_rulebookversion v
         WHERE v.coop_id = %(coop)s AND v.effective_at <= %(now)s ORDER BY v.number DESC LIMIT 1)
  FROM (SELECT a.time_spent_seconds AS t FROM tasks_assignment a
         WHERE a.project_id = %(project)s AND a.time_spent_seconds IS NOT NULL AND a.submitted_at IS NOT NULL
         ORDER BY a.submitted_at DESC, a.id DESC LIMIT %(sample)s) x
"""


# Elsewhere (SQLite, no percentile): the same times and rulebook number in one statement, one row
# a time (the number on each; one row with no time when there is none), the median in Python.
MEASURED_OTHER_SQL = """
SELECT x.t, (SELECT v.number FROM federation_rulebookversion v
              WHERE v.coop_id = %(coop)s AND v.effective_at <= %(now)s ORDER BY v.number DESC LIMIT 1)
  FROM (SELECT 1) one LEFT JOIN (
       SELECT a.time_spent_seconds AS t FROM tasks_assignment a
        WHERE a.project_id = %(project)s AND a.time_spent_seconds IS NOT NULL AND a.submitted_at IS NOT NULL
        ORDER BY a.submitted_at DESC, a.id DESC LIMIT %(sample)s) x ON 1 = 1
"""


def _measured(project, now):
    """(submissions measured, their median in seconds or None, the rulebook in force)."""
    if connection.vendor == "postgresql":
        count, median, number = execute_one(MEASURED_SQL, {"coop": project.coop_id, "now": now,
                                                           "project": project.pk, "sample": SAMPLE})
        return count, median, rulebook_numbered(coop=project.coop_id, number=number)
    params = {"coop": project.coop_id, "now": connection.ops.adapt_datetimefield_value(now),
              "project": project.pk, "sample": SAMPLE}
    with connection.cursor() as cursor:
        cursor.execute(MEASURED_OTHER_SQL, params)
        rows = cursor.fetchall()
    seconds = [t for t, _number in rows if t is not None]
    median = statistics.median(seconds) if seconds else None
    return len(seconds), median, rulebook_numbered(coop=project.coop_id, number=rows[0][1])


def floor_reward(*, floor: int, median_seconds: int) -> int:
    """The smallest reward that pays `floor` an hour at `median_seconds` (rounded up)."""
    return -(-floor * median_seconds // 3600)


def project_floor_check(*, project_id: int, now: datetime | None = None, project: Project | None = None) -> bool:
    """Pause an open project whose reward is under the floor at the members' measured median time,
    once it has enough submissions. Runs inside the caller's transaction (a submission); returns
    True when it paused the project. `project`, when given, is the project as just read in
    this transaction (with its organisation)."""
    now = now or timezone.now()
    if project is None:
        project = Project.objects.select_related("organisation").get(pk=project_id)
    if project.status != Project.Status.OPEN or project.floor_paused_at is not None:
        return False
    submissions, median, rulebook = _measured(project, now)
    if submissions < rulebook["floor_check_submissions"]:
        return False
    median = max(1, int(median))
    floor = floor_for(rulebook, project.data_flags)  # with the voted premium for disturbing content
    if project.reward * 3600 >= floor * median:
        return False
    project = project_for_update(project.pk)
    if project.status != Project.Status.OPEN:
        return False
    project.status = Project.Status.PAUSED
    project.floor_paused_at = now
    project.floor_median_seconds = median
    project.save(update_fields=["status", "floor_paused_at", "floor_median_seconds"])
    needed = floor_reward(floor=floor, median_seconds=median)
    event_record(type="project.paused_below_floor", coop=project.coop_id, subject=project,
                 payload={"project": project.pk, "organisation": project.organisation_id, "median_seconds": median,
                          "submissions": submissions, "reward": project.reward, "floor_hourly_rate": floor,
                          "minimum_reward": needed, "rulebook_version": rulebook.version})
    for staff in project.organisation.staff.select_related("user"):
        notify(user=staff.user, kind="floor", link=f"/requester/projects/{project.pk}/",
               message=gettext_noop("“%(p)s” is paused: members took a median of %(m)s minutes, so the reward "
                                    "pays under the coop's floor. Raise it to at least the amount shown to reopen."),
               params={"p": project.title, "m": round(median / 60, 1)})
    for user in _workers(project):
        notify(user=user, kind="floor", link=f"/work/projects/{project.pk}/",
               message=gettext_noop("“%(p)s” is paused: it paid under the floor at the time members really took. "
                              "The requester must raise the pay, and top up work already paid, before it reopens."),
               params={"p": project.title})
    return True


def _workers(project):
    ids = set(Assignment.objects.filter(project=project).exclude(
        status__in=[Assignment.Status.RETURNED, Assignment.Status.EXPIRED]).values_list("member_id", flat=True))
    return User.objects.filter(pk__in=ids).order_by("pk")


@transaction.atomic
def project_floor_raise(*, actor: User, project: Project | int, reward: int, now: datetime | None = None) -> Project:
    """The requester raises the reward of a project paused below the floor to at least the floor
    at the measured median time. Unpaid work (open slots, work claimed or under review) is paid at
    the new reward: the difference and its fees go into escrow. Work already paid gets the
    difference as a bonus from the requester's balance. Then the project reopens."""
    now = now or timezone.now()
    project = project_for_update(getattr(project, "pk", project))
    staff_check(user=actor, organisation=project.organisation)
    if project.floor_paused_at is None or project.status != Project.Status.PAUSED:
        raise InvalidState("not_paused_below_floor", _("This project is not paused for paying under the floor."))
    rulebook = rulebook_in_force(coop=project.coop, at=now)
    needed = floor_reward(floor=floor_for(rulebook, project.data_flags), median_seconds=project.floor_median_seconds)
    if isinstance(reward, bool) or not isinstance(reward, int) or reward < needed or reward > 10**9:
        raise DomainError("below_floor_rate", _("The reward must be at least %(m)s to pay the floor at the time "
                                                "members really take.") % {"m": _money(needed)},
                          {"minimum_reward": needed, "median_seconds": project.floor_median_seconds})
    old = project.reward
    diff = reward - old
    project.floor_raises += 1
    n = project.floor_raises
    slots = unpaid_slots_for_update(project.pk)
    fees = batch_fees(reward=diff, slots=len(slots), rulebook=rulebook)
    for slot, (coop, federation, juror) in zip(slots, fees.slots, strict=True):
        slot.fee_coop += coop
        slot.fee_federation += federation
        slot.fee_juror += juror
    Slot.objects.bulk_update(slots, ["fee_coop", "fee_federation", "fee_juror"], batch_size=2000)
    project.fee_coop += fees.fee_coop
    project.fee_federation += fees.fee_federation
    project.fee_juror += fees.fee_juror
    held = diff * len(slots) + fees.total
    if held:
        escrow.hold(project=project, amount=held, actor=actor)
    paid = list(Assignment.objects.filter(project=project, status__in=Assignment.PAID_STATUSES)
                .select_related("member").order_by("pk"))
    for assignment in paid:
        escrow.bonus(organisation=project.organisation, user=assignment.member, amount=diff, actor=actor,
                     key=f"project:{project.pk}:floor:{n}:bonus:{assignment.pk}",
                     memo="")
    project.floor_raised_from = old
    project.floor_raised_at = now
    project.reward = reward
    project.estimated_minutes = max(project.estimated_minutes, -(-project.floor_median_seconds // 60))
    project.floor_paused_at = None
    project.status = Project.Status.OPEN
    project.save()
    event_record(type="project.floor_raised", coop=project.coop_id, actor=actor, subject=project,
                 payload={"project": project.pk, "organisation": project.organisation_id, "from": old, "to": reward,
                          "slots": len(slots), "held": held, "bonuses": len(paid), "bonus_each": diff, "raise": n})
    for user in _workers(project):
        notify(user=user, kind="floor", link=f"/work/projects/{project.pk}/",
               message=gettext_noop("“%(p)s” reopened: the pay was raised from %(a)s to %(b)s per task, and work "
                                    "already paid got the difference as a bonus."),
               params={"p": project.title, "a": money(old), "b": money(reward)})
    return project


def _money(amount):
    return format_amount(amount)
