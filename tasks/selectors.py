"""Reads of the marketplace shared by pages, the API and jobs."""

import json
import statistics
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Count, Exists, F, IntegerField, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from coop.core.db import execute_one
from coop.federation.models import Coop, Membership, RulebookVersion
from coop.federation.selectors import Rulebook
from ledger.selectors import requester_balance
from tasks.fees import BPS, batch_fees
from tasks.models import Assignment, Bonus, OpenSlotStripe, Project, ProjectWatch, Slot

# Work whose money is still in escrow for the member (shown as "held" in the wallet).
HELD_FOR_MEMBER = (Assignment.Status.SUBMITTED, Assignment.Status.REVISION_REQUESTED, Assignment.Status.REJECTED,
                   Assignment.Status.APPEALED, Assignment.Status.FROZEN)


FEED_SORTS = {
    "newest": ("-published_at", "-pk"),
    "pay": ("-hourly", "-published_at", "-pk"),  # best paid per hour first
    "short": ("estimated_minutes", "-hourly", "-pk"),
    "reward": ("-reward", "-published_at", "-pk"),
}


def open_slots_remaining(project_ref: str = "pk") -> Coalesce:
    """An expression for the open slots of the project at `project_ref` (an OuterRef name): its
    OpenSlotStripe rows summed (at most 16 read by index), 0 for a project without any."""
    stripes = (OpenSlotStripe.objects.filter(project=OuterRef(project_ref)).order_by().values("project")
               .annotate(n=Sum("count")).values("n"))
    return Coalesce(Subquery(stripes, output_field=IntegerField()), 0)


def open_slots_of(project_id: int) -> int:
    """How many of the project's slots are open (claimable) now: its stripes summed."""
    return OpenSlotStripe.objects.filter(project_id=project_id).aggregate(n=Sum("count"))["n"] or 0


def member_for_feed(*, user: User, now: datetime) -> Membership | None:
    """The member's active membership (its coop loaded, as `membership_active`) and, in the same
    query, what the feed needs of them (issue 18: the feed's queries do not grow): the number of
    the coop's rulebook in force at `now` (`rulebook_number`; its content is cached per process),
    their open assignments (`open_count`) and whether they asked to be told of any new work of
    the coop (`watching_coop`)."""
    if not user.is_authenticated:
        return None
    version = (RulebookVersion.objects.filter(coop=OuterRef("coop_id"), effective_at__lte=now)
               .order_by("-number").values("number")[:1])
    held = (Assignment.objects.filter(member=OuterRef("user_id"), status__in=Assignment.OPEN_STATUSES)
            .order_by().values("member").annotate(n=Count("pk")).values("n"))
    watch = ProjectWatch.objects.filter(member=OuterRef("user_id"), coop=OuterRef("coop_id"), project__isnull=True)
    return (Membership.objects.active().select_related("coop").filter(user=user)
            .annotate(rulebook_number=Subquery(version),
                      open_count=Coalesce(Subquery(held, output_field=IntegerField()), 0),
                      watching_coop=Exists(watch))
            .first())


def projects_open_for_feed(*, coop: Coop | int, category: str | None = None, min_hourly: int | None = None,
                           max_minutes: int | None = None, sort: str = "newest") -> QuerySet[Project]:
    """The coop's open and paused projects with their remaining slots (one query, the counts kept
    in the projects' stripes: no slot is read), filtered by category, expected pay per hour (minor
    units, at least) and estimated minutes (at most), sorted by one of FEED_SORTS (newest first
    by default)."""
    qs = (Project.objects.filter(coop=coop, status__in=[Project.Status.OPEN, Project.Status.PAUSED])
          .select_related("organisation")
          .annotate(remaining=open_slots_remaining(),
                    # as Project.hourly_rate: integer division of integer columns, on both databases
                    hourly=F("reward") * 60 / F("estimated_minutes")))
    if category:
        qs = qs.filter(category=category)
    if min_hourly:
        qs = qs.filter(hourly__gte=min_hourly)
    if max_minutes:
        qs = qs.filter(estimated_minutes__lte=max_minutes)
    return qs.order_by(*FEED_SORTS.get(sort, FEED_SORTS["newest"]))


def projects_opened_since(*, coop_id: int, since: datetime, limit: int = 50) -> list[Project]:
    """The coop's open projects whose latest batch opened after `since`, oldest first (at most
    `limit`): what a work socket missed while it was away (tasks/live.py)."""
    return list(Project.objects.filter(coop_id=coop_id, status=Project.Status.OPEN, batch_opened_at__gt=since)
                .annotate(remaining=open_slots_remaining()).order_by("batch_opened_at", "pk")[:limit])


def feed_categories(*, coop: Coop) -> list:
    """The categories of the coop's open and paused projects, for the feed's filter."""
    return list(Project.objects.filter(coop=coop, status__in=[Project.Status.OPEN, Project.Status.PAUSED])
                .order_by("category").values_list("category", flat=True).distinct())


def project_categories_by_coop(*, days: int) -> dict[int, dict[str, int]]:
    """{coop id: {category: projects published in the last `days` days}} (one query)."""
    since = timezone.now() - timedelta(days=days)
    work = (Project.objects.filter(published_at__gte=since).order_by().values_list("coop_id", "category")
            .annotate(n=Count("pk")))
    kinds = {}
    for coop_id, category, n in work:
        kinds.setdefault(coop_id, {})[category] = n
    return kinds


def projects_of_organisation(*, organisation: Organisation) -> QuerySet[Project]:
    return (Project.objects.filter(organisation=organisation).select_related("coop")
            .annotate(remaining=open_slots_remaining())
            .order_by("-created_at", "-pk"))


def projects_awaiting_review(*, coop_ids: Iterable[int]) -> QuerySet[Project]:
    """The projects of these coops awaiting the stewards' review (issue 23; a country-restricted
    project after its publish), oldest submission first, with their organisation, coop and
    required qualifications (each with its rule in force): three more queries, whatever the rows
    (`review_requirements` reads them in order). The page and the API list the same."""
    return _with_review_details(Project.objects.filter(coop_id__in=list(coop_ids), status=Project.Status.REVIEW)
                                .order_by("review_submitted_at", "pk"))


def project_as_reviewed(*, project_id: int) -> Project:
    """One project with what the review shows of it (after a decision: no longer in review)."""
    return _with_review_details(Project.objects.filter(pk=project_id)).get()


def _with_review_details(qs: QuerySet[Project]) -> QuerySet[Project]:
    return (qs.select_related("organisation", "coop")
            .prefetch_related("qualification_requirements__qualification__current_version"))


def review_requirements(project: Project) -> list:
    """A project's required qualifications by name, from `projects_awaiting_review`'s prefetch."""
    return sorted(project.qualification_requirements.all(),
                  key=lambda r: (r.qualification.name, r.qualification_id))


def review_queue(*, organisation: Organisation) -> QuerySet[Project]:
    """The organisation's projects with work waiting for review, oldest waiting first, with
    how many submissions wait and the first one to open."""
    waiting = Assignment.objects.filter(project=OuterRef("pk"), status=Assignment.Status.SUBMITTED)
    return (Project.objects.filter(organisation=organisation)
            .annotate(waiting=Count("assignments", filter=Q(assignments__status=Assignment.Status.SUBMITTED)),
                      oldest=Min("assignments__submitted_at",
                                 filter=Q(assignments__status=Assignment.Status.SUBMITTED)),
                      first_waiting=Subquery(waiting.order_by("submitted_at", "pk").values("pk")[:1]))
            .filter(waiting__gt=0).order_by("oldest", "pk"))


def assignment_next_for_review(*, project: Project, after: Assignment | int | None = None) -> Assignment | None:
    """The submission to review next in `project` (oldest first), other than `after`."""
    qs = Assignment.objects.filter(project=project, status=Assignment.Status.SUBMITTED)
    if after is not None:
        qs = qs.exclude(pk=after.pk)
    return qs.order_by("submitted_at", "pk").first()


def project_counts(*, project: Project) -> dict:
    """Assignments by status (as [(label, count)], in the reader's language) and slots by status
    for a project page."""
    by_status = [(Assignment.Status(status).label, n) for status, n in
                 Assignment.objects.filter(project=project).values_list("status").annotate(n=Count("pk"))
                 .order_by("status")]
    slots = dict(Slot.objects.filter(project=project).values_list("status").annotate(n=Count("pk")))
    return {"assignments": by_status, "slots": slots, "tasks": project.tasks.count()}


def project_time_spent(*, project: Project) -> dict:
    """Median and count of the time members actually spent (claim to submit), in seconds, against
    the requester's estimate."""
    seconds = list(Assignment.objects.filter(project=project, time_spent_seconds__isnull=False)
                   .values_list("time_spent_seconds", flat=True))
    median = int(statistics.median(seconds)) if seconds else None
    effective = project.reward * 3600 // median if median else None
    return {"median_seconds": median, "count": len(seconds), "estimated_seconds": project.estimated_minutes * 60,
            "median_minutes": round(median / 60, 1) if median else None, "effective_hourly_rate": effective}


def assignments_of_member(*, member: User, statuses: Iterable[str] | None = None) -> QuerySet[Assignment]:
    qs = (Assignment.objects.filter(member=member).select_related("project", "project__organisation")
          .order_by("-claimed_at", "-pk"))
    if statuses:
        qs = qs.filter(status__in=statuses)
    return qs


def assignments_for_review(*, project: Project, status: str | None = None,
                           search: str | None = None) -> QuerySet[Assignment]:
    qs = Assignment.objects.filter(project=project).select_related("task", "member").order_by("-submitted_at", "-pk")
    if status:
        qs = qs.filter(status=status)
    else:
        qs = qs.exclude(status__in=[Assignment.Status.RETURNED, Assignment.Status.EXPIRED])
    if search:
        qs = qs.filter(pk=int(search)) if str(search).isdigit() else qs.none()
    return qs


def member_held_lines(*, user: User) -> list:
    """Registered with the ledger: money held in escrow for the member's submitted work."""
    rows = (Assignment.objects.filter(member=user, status__in=HELD_FOR_MEMBER)
            .select_related("project").order_by("pk"))
    return [{"label": _("%(p)s, task %(t)s (%(s)s)") % {"p": a.project.title, "t": a.task_id,
                                                         "s": a.get_status_display()},
             "amount": a.project.reward, "link": f"/work/assignments/{a.pk}/"} for a in rows]


def statement_subjects(*, keys: Iterable[str]) -> dict[str, dict]:
    """Registered with the ledger: the task and project behind the transactions whose keys
    the marketplace wrote (assignment:<id>:release|refund, bonus:<id>, project:<id>:...)."""
    by_assignment, by_bonus, by_project = {}, {}, {}
    for key in keys:
        kind, _sep, rest = key.partition(":")
        ident = rest.split(":", 1)[0]
        if not ident.isdigit():
            continue
        {"assignment": by_assignment, "bonus": by_bonus, "project": by_project}.get(kind, {})[key] = int(ident)
    if by_bonus:
        bonus_to = dict(Bonus.objects.filter(pk__in=set(by_bonus.values())).values_list("pk", "assignment_id"))
        by_assignment.update({key: bonus_to[pk] for key, pk in by_bonus.items() if pk in bonus_to})
    assignments = {a.pk: a for a in Assignment.objects.filter(pk__in=set(by_assignment.values()))
                   .select_related("project")}
    projects = {p.pk: p for p in Project.objects.filter(pk__in=set(by_project.values())).only("title")}
    found = {}
    for key, pk in by_assignment.items():
        if a := assignments.get(pk):
            found[key] = {"label": _("%(p)s, task %(t)s") % {"p": a.project.title, "t": a.task_id},
                          "member_link": f"/work/assignments/{a.pk}/",
                          "requester_link": f"/requester/assignments/{a.pk}/"}
    for key, pk in by_project.items():
        if p := projects.get(pk):
            found[key] = {"label": p.title, "member_link": f"/work/projects/{p.pk}/",
                          "requester_link": f"/requester/projects/{p.pk}/"}
    return found


def escrow_obligations(*, ids: Iterable[int]) -> dict[int, int]:
    """Registered with the ledger for project escrows: what each project's escrow still owes
    (open slots and work in progress or under review, each at the reward plus its slot's fee
    shares fixed at publish; a project awaiting the stewards' review owes all its submission holds)."""
    projects = {p.pk: p for p in Project.objects.filter(pk__in=list(ids))}
    owed = {pk: 0 for pk in projects}
    slot_fee = F("fee_coop") + F("fee_federation") + F("fee_juror")
    open_slots = (Slot.objects.filter(project_id__in=list(projects), status=Slot.Status.OPEN)
                  .values_list("project_id").annotate(n=Count("pk"), fees=Sum(slot_fee)))
    holding = (Assignment.objects.filter(project_id__in=list(projects), status__in=Assignment.HOLDING_STATUSES)
               .values_list("project_id").annotate(n=Count("pk"), fees=Sum(F("slot__fee_coop") + F(
                   "slot__fee_federation") + F("slot__fee_juror"))))
    for pk, n, fees in list(open_slots) + list(holding):
        owed[pk] += n * projects[pk].reward + (fees or 0)
    for pk, project in projects.items():  # issue 23: awaiting the stewards' review, no slot yet: all it holds
        if project.status == Project.Status.REVIEW:
            owed[pk] += project.escrow_held - project.escrow_refunded
    return owed


def assignment_owners(ids: list[int]) -> dict:
    """{assignment id: its member's user id} (the event log's owner lookup)."""
    return dict(Assignment.objects.filter(pk__in=ids).values_list("pk", "member_id"))


# --- work shown in a frame -----------------------------------------------------------------
# A higher package that shows some tasks' work in a frame instead of the question form (the
# MTurk-compatible API's HTML and external questions) registers a function here, from its
# AppConfig.ready(): `fn(assignment, request)` -> {"url": ..., "height": ...} or None.

_WORK_FRAMES = []


def register_work_frame(fn: Callable) -> None:
    if fn not in _WORK_FRAMES:
        _WORK_FRAMES.append(fn)


def work_frame_for(*, assignment: Assignment, request: HttpRequest) -> dict | None:
    """The frame that shows this assignment's work, or None (the question form)."""
    for fn in _WORK_FRAMES:
        frame = fn(assignment, request)
        if frame:
            return frame
    return None


def publish_cost(*, organisation: Organisation, rulebook: Rulebook, reward: int, estimated_minutes: int,
                 slots: int) -> dict:
    """What publishing `slots` assignments at `reward` costs the organisation, with the fees of
    the batch computed exactly as `project_publish` fixes them (tasks/fees.py): the pay, each fee
    part and its voted share, the total, the balance before and after, and the hourly rate members
    will see against the coop's floor. Read-only: the confirmation page and the draft form's live
    preview show it."""
    fees = batch_fees(reward=reward, slots=slots, rulebook=rulebook)
    pay = reward * slots
    total = pay + fees.total
    balance = requester_balance(organisation=organisation)
    federation_bps = min(BPS, rulebook["federation_share_bps"])
    juror_bps = min(BPS - federation_bps, rulebook["juror_fund_bps"])
    hourly = reward * 60 // max(1, estimated_minutes)
    return {
        "slots": slots, "reward": reward, "pay": pay, "fees": fees, "total": total,
        "fee_pct": rulebook["platform_fee_bps"] / 100,
        "parts": [  # (code, amount, % of the fee)
            ("coop", fees.fee_coop, (BPS - federation_bps - juror_bps) / 100),
            ("federation", fees.fee_federation, federation_bps / 100),
            ("juror_fund", fees.fee_juror, juror_bps / 100),
        ],
        "balance_before": balance, "balance_after": balance - total, "short": max(0, total - balance),
        "hourly_rate": hourly, "floor": rulebook["floor_hourly_rate"],
        "below_floor": reward * 60 < rulebook["floor_hourly_rate"] * estimated_minutes,
    }


def terms_of(project: Project, rulebook: Rulebook) -> Rulebook | dict:
    """The fee parameters a published project keeps (DESIGN.md seam 1): those of the rulebook
    version it was published under, even when a later version is in force. A paid test keeps
    those of the version it was defined under the same way (anything with `coop_id` and
    `rulebook_version`)."""
    if project.rulebook_version in (None, rulebook.version):
        return rulebook
    record = RulebookVersion.objects.filter(coop_id=project.coop_id, number=project.rulebook_version).first()
    return {**rulebook.parameters, **(record.parameters if record else {})}


# The claim's read (tasks/services/claiming.py), right after the member's lock: in one round trip
# instead of eight, everything eligibility and the fair share need about this member and project
# (a statement after the lock's: in READ COMMITTED a statement that waited for a row lock still
# reads every other table as it was when it began). The rulebook in force is only its number here (the version's content
# is cached per process: coop.federation.selectors). `want_gold` (issue 20), only for a project that mixes gold in
# (NULL otherwise, at no cost): true when the member's gold tasks so far in the project, this claim counted, would
# fall below its rate, 100 x gold < rate x (taken + 1); so after n claims a member has had ceil(rate x n / 100) gold
# tasks, from the first claim on, while the project has gold slots they have not worked on.
CLAIM_CONTEXT_SQL = """
SELECT m.id, p.status, p.coop_id, p.organisation_id, p.time_limit_minutes,
       (p.fair_share_until IS NOT NULL AND p.fair_share_cap IS NOT NULL AND p.fair_share_until > %(now)s),
       p.fair_share_cap,
       (SELECT COUNT(*) FROM tasks_assignment a
         WHERE a.member_id = m.user_id AND a.status IN ('claimed', 'revision_requested')),
       (SELECT c.flags FROM tasks_dataconsent c WHERE c.member_id = m.user_id AND c.project_id = p.id),
       (SELECT v.number FROM federation_rulebookversion v
         WHERE v.coop_id = p.coop_id AND v.effective_at <= %(clock)s ORDER BY v.number DESC LIMIT 1),
       (SELECT COUNT(*) FROM tasks_assignment h
         WHERE h.member_id = m.user_id AND h.project_id = p.id AND h.status NOT IN ('returned', 'expired')
           AND (p.batch_opened_at IS NULL OR h.claimed_at >= p.batch_opened_at)),
       CASE WHEN p.gold_rate_pct > 0 THEN (
         SELECT 100 * COALESCE(SUM(CASE WHEN gs.is_gold THEN 1 ELSE 0 END), 0) < p.gold_rate_pct * (COUNT(*) + 1)
           FROM tasks_assignment g JOIN tasks_slot gs ON gs.id = g.slot_id
          WHERE g.member_id = m.user_id AND g.project_id = p.id AND g.status NOT IN ('returned', 'expired'))
       END{next_id}
  FROM tasks_project p JOIN federation_membership m ON m.coop_id = p.coop_id
 WHERE p.id = %(project)s AND m.user_id = %(user)s AND m.status = 'active'
"""
CLAIM_CONTEXT_PG = CLAIM_CONTEXT_SQL.format(next_id=", nextval(pg_get_serial_sequence('tasks_assignment', 'id'))")
CLAIM_CONTEXT_OTHER = CLAIM_CONTEXT_SQL.format(next_id=", NULL")
CLAIM_CONTEXT_FIELDS = ("membership_id", "status", "coop_id", "organisation_id", "time_limit_minutes",
                        "fair_share_open", "fair_share_cap", "open_count", "consent", "rulebook", "held",
                        "want_gold", "assignment_id")


def claim_context(*, user_id: int, project_id: int, now: datetime) -> dict | None:
    """Read, for a claim, under the member's membership lock (taken by the caller): the project's
    state, the member's open assignments, their consent to this project's data, the rulebook
    number in force, what they hold of the current batch and (on PostgreSQL) the new
    assignment's id. A dict, or None when they are not an active member of the project's coop
    (or the project does not exist)."""
    adapt = connection.ops.adapt_datetimefield_value  # the rulebook in force now, the fair share at `now`
    params = {"project": project_id, "user": user_id, "now": adapt(now), "clock": adapt(now)}
    row = execute_one(CLAIM_CONTEXT_PG if connection.vendor == "postgresql" else CLAIM_CONTEXT_OTHER, params)
    if row is None:
        return None
    context = dict(zip(CLAIM_CONTEXT_FIELDS, row, strict=True))
    if isinstance(context["consent"], str):  # JSON: decoded by psycopg, text on SQLite
        context["consent"] = json.loads(context["consent"])
    if context["want_gold"] is not None:  # 0/1 on SQLite
        context["want_gold"] = bool(context["want_gold"])
    return context


def projects_in_sandboxes(ids: Iterable[int]) -> QuerySet[Project, int]:
    """Of these projects, those of a sandbox coop (their escrow is test money; docs/sandbox.md)."""
    return Project.objects.filter(pk__in=ids, coop__sandbox_of__isnull=False).values_list("pk", flat=True)


def work_done_by_member(*, coop_id: int, start: datetime, end: datetime) -> dict[int, dict]:
    """The approved (paid) work of each member on the coop's projects, paid in [start, end):
    {user id: {"paid_minutes", "amount", "tasks"}}, the project's estimated minutes and reward
    per assignment (bonuses are not work). An assignment counts when it was paid: its approval,
    or the end of its appeal (overturned, voided). One grouped query (docs/patronage.md)."""
    rows = (Assignment.objects.filter(project__coop_id=coop_id, status__in=Assignment.PAID_STATUSES)
            .annotate(paid_at=Coalesce("finalised_at", "reviewed_at")).filter(paid_at__gte=start, paid_at__lt=end)
            .values("member_id").annotate(paid_minutes=Sum("project__estimated_minutes"), amount=Sum("project__reward"),
                                          tasks=Count("pk")))
    return {row.pop("member_id"): row for row in rows}
