"""Opening a batch of a project's work, shared by publishing (`tasks.services.publishing`) and
the stewards' approval of a country-restricted project (`tasks.services.country_review`): the
slots with their exact fee shares, the fair-share window, and telling members. The caller holds
the project's lock (`tasks.locks.project_for_update`) and saves the project."""

from datetime import datetime, timedelta

from django.db import transaction
from django_q.tasks import async_task

from coop.federation.models import Membership
from coop.federation.selectors import Rulebook, rulebook_in_force
from tasks.eligibility import TRANSIENT_CODES, MemberContext, eligibility_with, registered_checks
from tasks.fees import batch_fees
from tasks.live import work_opened_later
from tasks.models import Project, Slot, Task
from tasks.services.claiming import fair_share_cap
from tasks.services.open_slots import open_slots_opened


def eligible_member_count(project: Project, now: datetime | None = None) -> int:
    """Active members of the project's coop with no lasting reason against the project (the
    open cap and data consent pass). Without a registered check that applies to the project,
    only the coop's banned data categories could exclude anyone, and they exclude everyone:
    a count, not one eligibility check per member (that cost ~5 queries per member of the coop
    on every publish; the market simulator found it, docs/simulation.md). With one, each member
    is checked without reading their open assignments and consents (they only give transient
    reasons) and with the rulebook read once, by the checks that apply only: their own queries."""
    members = Membership.objects.active().filter(coop_id=project.coop_id)
    checks = [c for c in registered_checks() if getattr(c, "applies", None) is None or c.applies(project)]
    if not checks:
        banned = set(project.data_flags or []) & set(rulebook_in_force(coop=project.coop_id, at=now)[
            "banned_data_categories"])
        return 0 if banned else members.count()
    count = 0
    rulebook = rulebook_in_force(coop=project.coop_id, at=now)
    for membership in members.select_related("user"):
        ctx = MemberContext.of_membership(membership, rulebook=rulebook, at=now)
        reasons = eligibility_with(ctx=ctx, project=project, checks=checks)
        if not [r for r in reasons if r["code"] not in TRANSIENT_CODES]:
            count += 1
    return count


def batch_open(project: Project, *, slots: int, now: datetime, rulebook: Rulebook | dict) -> None:
    """A batch of `slots` opens now: the fair-share window starts (fair_share policy only)."""
    project.batch_opened_at = now
    if project.allocation_policy == "fair_share" and rulebook["fair_share_window_minutes"] > 0:
        project.fair_share_until = now + timedelta(minutes=rulebook["fair_share_window_minutes"])
        project.fair_share_cap = fair_share_cap(slots=slots, eligible_members=eligible_member_count(project, now))
    else:
        project.fair_share_until, project.fair_share_cap = None, None


def slots_create(project: Project, tasks: list[Task], rulebook: Rulebook | dict) -> tuple[int, int]:
    """One slot per task x assignment, each with its share of the batch's fees (tasks/fees.py);
    the batch's fee totals are added to the project's. Returns (slots, amount to hold)."""
    count = len(tasks) * project.assignments_per_task
    fees = batch_fees(reward=project.reward, slots=count, rulebook=rulebook)
    shares = iter(fees.slots)
    slots = []
    for task in tasks:
        for n in range(project.assignments_per_task):
            coop, federation, juror = next(shares)
            slots.append(Slot(task_id=task.pk, project=project, number=n, status=Slot.Status.OPEN, is_gold=task.is_gold,
                              fee_coop=coop, fee_federation=federation, fee_juror=juror))
    Slot.objects.bulk_create(slots, batch_size=2000)
    open_slots_opened(project_id=project.pk, slot_ids=[slot.pk for slot in slots])
    project.fee_coop += fees.fee_coop
    project.fee_federation += fees.fee_federation
    project.fee_juror += fees.fee_juror
    return count, project.reward * count + fees.total


def work_opened(project: Project, *, kind: str, coop_wide: bool) -> None:
    """After commit: the coop's open work sockets are told at once (tasks/live.py), and the
    members who asked to be told get their notice (a job: it checks each one's eligibility)."""
    work_opened_later(project, kind=kind)
    project_id = project.pk
    transaction.on_commit(lambda: async_task("tasks.jobs.watchers_notify", project_id, coop_wide))
