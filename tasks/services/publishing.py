"""A requester's side of a project: create, edit, add tasks, publish, pause, resume, cancel.

Publishing fixes the fees and the rulebook version on the project (DESIGN.md seam 1), creates one slot per task x
assignment and moves the full cost into escrow. Cancelling refunds the unclaimed slots at once (seam 7)."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Organisation, User
from accounts.selectors import organisation_terms_current
from accounts.services import notify
from coop.core.db import retry_transaction
from coop.core.errors import Conflict, DomainError, Forbidden
from coop.eventlog.services import event_record
from coop.federation.access import stewards_of
from coop.federation.models import Coop
from coop.federation.selectors import Rulebook, rulebook_in_force
from tasks import escrow, selectors
from tasks.access import staff_check
from tasks.errors import BadImport, BelowFloor, InvalidProject, InvalidState
from tasks.exposure import floor_for
from tasks.fees import batch_fees
from tasks.locks import open_slots_for_update, project_for_update
from tasks.models import DATA_FLAG_CODES, Assignment, Project, Slot, Task
from tasks.questions import form_validate, task_data_validate
from tasks.services.batches import batch_open, slots_create, work_opened
from tasks.services.open_slots import open_slots_closed
from tasks.transparency import FIELDS as TRANSPARENCY
from tasks.transparency import country_reason_check, declared, transparency_clean

MAX_TASKS_PER_CALL = 10_000
EDITABLE = ("title", "category", "instructions", "question_form", "reward", "estimated_minutes",
            "assignments_per_task", "time_limit_minutes", "auto_approval_hours", "data_flags", "gold_rate_pct",
            *TRANSPARENCY)  # gold_rate_pct: issue 20, within the coop's voted `gold_rate_max_pct`


def _int_in(fields, name, low, high, errors):
    value = fields.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except (TypeError, ValueError):
            errors[name] = _("Enter a whole number.")
            return None
    if not low <= value <= high:
        errors[name] = _("Must be between %(a)s and %(b)s.") % {"a": low, "b": high}
        return None
    return value


def project_fields_clean(fields: dict, *, rulebook: Rulebook | dict) -> dict:
    """Check a project's settings; return them cleaned or raise InvalidProject naming each bad one."""
    errors, clean = {}, {}
    unknown = set(fields) - set(EDITABLE)
    for name in sorted(unknown):
        errors[name] = _("Unknown field.")
    title = str(fields.get("title") or "").strip()
    if not 1 <= len(title) <= 200 or "\x00" in title:
        errors["title"] = _("A title (up to 200 characters) is required.")
    clean["title"] = title
    category = str(fields.get("category") or "").strip().lower()
    if not category or len(category) > 60 or not all(c.isalnum() or c in "-_" for c in category):
        errors["category"] = _("A short category word (letters, digits, - or _).")
    clean["category"] = category
    instructions = str(fields.get("instructions") or "")
    if len(instructions) > 50_000 or "\x00" in instructions:
        errors["instructions"] = _("Instructions are limited to 50,000 characters.")
    clean["instructions"] = instructions
    form_paths = []  # each problem of the form with its path in the JSON (tasks/questions/form.py)
    try:
        clean["question_form"] = form_validate(fields.get("question_form"))
    except DomainError as exc:
        errors["question_form"] = " ".join(exc.extra.get("errors", [])) or str(exc.message)
        form_paths = exc.extra.get("paths", [])
    clean["reward"] = _int_in(fields, "reward", 1, 10**9, errors)
    clean["estimated_minutes"] = _int_in(fields, "estimated_minutes", 1, 24 * 60, errors)
    clean["assignments_per_task"] = _int_in(fields, "assignments_per_task", 1, 50, errors)
    clean["time_limit_minutes"] = _int_in(fields, "time_limit_minutes", 1, 7 * 24 * 60, errors)
    clean["auto_approval_hours"] = _int_in(fields, "auto_approval_hours", 1, rulebook["auto_approval_hours"], errors)
    clean["gold_rate_pct"] = _int_in(fields, "gold_rate_pct", 0, rulebook["gold_rate_max_pct"], errors)
    if (clean["time_limit_minutes"] and clean["estimated_minutes"]
            and clean["time_limit_minutes"] < clean["estimated_minutes"]):
        errors["time_limit_minutes"] = _("The time limit must be at least the estimated time.")
    flags = fields.get("data_flags") or []
    if not isinstance(flags, list | tuple) or any(f not in DATA_FLAG_CODES for f in flags):
        errors["data_flags"] = _("Data flags are drawn from: %(c)s.") % {"c": ", ".join(DATA_FLAG_CODES)}
    else:
        clean["data_flags"] = sorted(set(flags))
        banned = set(clean["data_flags"]) & set(rulebook["banned_data_categories"])
        if banned:
            errors["data_flags"] = _("This coop has banned work with: %(c)s.") % {"c": ", ".join(sorted(banned))}
    clean.update(transparency_clean(fields, errors))  # issue 23: end client, purpose, published or not
    if errors:
        raise InvalidProject(extra={"fields": {k: str(v) for k, v in errors.items()},
                                    "bounds": {"gold_rate_pct": [0, rulebook["gold_rate_max_pct"]]},
                                    **({"question_form": form_paths} if form_paths else {})})
    return clean


def fees_for(*, reward: int, rulebook: Rulebook | dict, slots: int = 1) -> dict[str, int]:
    """The fee totals of a batch of `slots` assignments, split exactly (tasks/fees.py)."""
    return batch_fees(reward=reward, slots=max(1, slots), rulebook=rulebook).totals()


def hourly_rate(*, reward: int, estimated_minutes: int) -> int:
    return reward * 60 // max(1, estimated_minutes)  # minor units per hour, rounded down


def _event(type, project, actor, **extra):
    event_record(type=type, coop=project.coop_id, actor=actor, subject=project,
                 payload={"project": project.pk, "organisation": project.organisation_id, **extra})


@retry_transaction
@transaction.atomic
def project_create(*, actor: User, organisation: Organisation, coop: Coop, now: datetime | None = None,
                   **fields: Any) -> Project:
    """A requester drafts a project for one coop: a real organisation's in a real coop, a
    sandbox organisation's in its own sandbox coop (test money never meets real money)."""
    staff_check(user=actor, organisation=organisation)
    if organisation.sandbox_of_id != coop.sandbox_of_id:
        raise InvalidProject("sandbox_world", _("A sandbox project goes to its organisation's sandbox coop, and a "
                                                "real project to a real coop."))
    rulebook = rulebook_in_force(coop=coop, at=now)
    defaults = {"assignments_per_task": 1, "time_limit_minutes": 60, "gold_rate_pct": 0,
                "auto_approval_hours": rulebook["auto_approval_hours"], "data_flags": [], "instructions": ""}
    clean = project_fields_clean({**defaults, **fields}, rulebook=rulebook)
    project = Project.objects.create(coop=coop, organisation=organisation, created_by=actor, **clean)
    _event("project.created", project, actor, coop=coop.pk)
    return project


@retry_transaction
@transaction.atomic
def project_update(*, actor: User, project: Project, **fields: Any) -> Project:
    """Change a draft project's settings (published projects keep their terms)."""
    project = project_for_update(project.pk)
    staff_check(user=actor, organisation=project.organisation)
    if project.status != Project.Status.DRAFT:
        raise InvalidState("project_published", _("A published project keeps its settings."))
    current = {name: getattr(project, name) for name in EDITABLE}
    clean = project_fields_clean({**current, **fields}, rulebook=rulebook_in_force(coop=project.coop))
    if project.tasks.exists() and clean["question_form"] != project.question_form:
        problems = _data_problems(clean["question_form"], project.tasks.values_list("data", flat=True)[:1000])
        if problems:
            raise InvalidProject("form_does_not_fit_tasks",
                                 _("The new form shows columns the tasks already added do not have."),
                                 {"errors": problems[:20]})
    for name, value in clean.items():
        setattr(project, name, value)
    project.save()
    _event("project.updated", project, actor)
    return project


def _data_problems(form, datas):
    return [{"line": index, "message": str(message)}
            for index, data in enumerate(datas, start=1) for message in task_data_validate(form, data)]


def tasks_validate(*, project: Project, rows: list[dict], first_line: int = 1) -> list[dict]:
    """Check task data rows against the project's form; return the list of problems
    (`{"line", "message"}`), empty when every row is good."""
    problems = []
    for offset, data in enumerate(rows):
        for message in task_data_validate(project.question_form, data):
            problems.append({"line": first_line + offset, "message": str(message)})
    return problems


@retry_transaction
@transaction.atomic
def tasks_add(*, actor: User, project: Project, rows: list[dict], first_line: int = 1, lines: list[int] | None = None,
              now: datetime | None = None, limit: int = MAX_TASKS_PER_CALL) -> list[Task]:
    """Add tasks (a list of data dicts). Nothing is created if any row is bad. On a published
    project the new slots are paid into escrow at once and open a new batch."""
    now = now or timezone.now()
    if not isinstance(rows, list) or not rows:
        raise BadImport("no_rows", _("There are no tasks to add."))
    if len(rows) > limit:
        raise BadImport("too_many_rows", _("At most %(n)s tasks per call.") % {"n": limit})
    project = project_for_update(project.pk)
    staff_check(user=actor, organisation=project.organisation)
    if project.status == Project.Status.CANCELLED:
        raise InvalidState("project_cancelled", _("This project is cancelled."))
    if project.status == Project.Status.REVIEW:  # the escrow holds exactly the batch the stewards review
        raise InvalidState("project_in_review", _("This project awaits the stewards' review: add tasks once it "
                                                  "is open."))
    problems = tasks_validate(project=project, rows=rows, first_line=first_line)
    if problems:
        raise BadImport(extra={"rows": problems[:1000], "bad_rows": len({p["line"] for p in problems})})
    tasks = Task.objects.bulk_create(
        [Task(project=project, data=data, line=lines[i] if lines else first_line + i, created_at=now)
         for i, data in enumerate(rows)],
        batch_size=2000)
    extra = {}
    if project.status in (Project.Status.OPEN, Project.Status.PAUSED):
        # later batches keep the project's terms: the rulebook version fixed at publish
        rulebook = rulebook_in_force(coop=project.coop, at=now)
        terms = selectors.terms_of(project, rulebook)
        slots, amount = slots_create(project, tasks, terms)
        escrow.hold(project=project, amount=amount, actor=actor)
        batch_open(project, slots=slots, now=now, rulebook=rulebook)
        project.save()
        extra = {"slots": slots, "amount": amount}
        if project.status == Project.Status.OPEN:
            work_opened(project, kind="tasks_added", coop_wide=False)
    _event("project.tasks_added", project, actor, tasks=len(tasks), **extra)
    return tasks


@retry_transaction
@transaction.atomic
def project_publish(*, actor: User, project: Project, now: datetime | None = None,
                    expected_amount: int | None = None) -> Project:
    """Open a draft project: floor-rate and terms checks, fees fixed, slots created, escrow held.
    With `expected_amount` (what the requester confirmed on the publish page), nothing happens
    unless publishing costs exactly that, checked under the project's lock."""
    now = now or timezone.now()
    project = project_for_update(project.pk)
    staff_check(user=actor, organisation=project.organisation)
    if project.status != Project.Status.DRAFT:
        raise InvalidState("already_published", _("This project was already published."))

    if not organisation_terms_current(organisation=project.organisation):
        raise Forbidden("terms_not_accepted", _("Accept the federation's current terms before publishing."))
    rulebook = rulebook_in_force(coop=project.coop, at=now)
    clean = project_fields_clean({name: getattr(project, name) for name in EDITABLE}, rulebook=rulebook)
    # issue 23: a country requirement cites a law, and waits for the stewards' review (docs/transparency.md)
    restricted = country_reason_check(clean, project)
    floor = floor_for(rulebook, clean["data_flags"])  # with the voted premium for disturbing content
    if clean["reward"] * 60 < floor * clean["estimated_minutes"]:
        raise BelowFloor(
            message=_("The reward works out below the coop's floor hourly rate: raise the reward or "
                      "lower the estimated time.") if floor == rulebook["floor_hourly_rate"] else _(
                "Work with disturbing content pays at least the coop's floor plus its voted premium: raise the "
                "reward or lower the estimated time."),
            extra={"hourly_rate": hourly_rate(reward=project.reward, estimated_minutes=project.estimated_minutes),
                   "floor_hourly_rate": floor,
                   "minimum_reward": -(-floor * project.estimated_minutes // 60)})
    if rulebook["transparency_required"] == "required" and not declared(clean):
        raise InvalidState("transparency_missing", _("This coop publishes only projects that say who the data is for, "
                                                     "what for, and whether it will be published."))
    tasks = list(project.tasks.only("pk", "is_gold").order_by("pk"))
    if not tasks:
        raise InvalidState("no_tasks", _("Add at least one task before publishing."))
    project.fee_coop = project.fee_federation = project.fee_juror = 0
    project.rulebook_version = rulebook.version
    project.allocation_policy = rulebook["allocation_policy"]
    if restricted:
        return _review_submit(project, tasks=tasks, rulebook=rulebook, actor=actor, now=now,
                              expected_amount=expected_amount)
    slots, amount = slots_create(project, tasks, rulebook)
    if expected_amount is not None and amount != expected_amount:  # the slots roll back with it
        raise Conflict("cost_changed", _("The cost changed since the page was shown: check the new figures."),
                       {"amount": amount, "expected_amount": expected_amount})
    escrow.hold(project=project, amount=amount, actor=actor)
    project.status = Project.Status.OPEN
    project.published_at = now
    batch_open(project, slots=slots, now=now, rulebook=rulebook)
    project.save()
    _event("project.published", project, actor, slots=slots, amount=amount, rulebook_version=rulebook.version,
           reward=project.reward, fee_coop=project.fee_coop, fee_federation=project.fee_federation,
           fee_juror=project.fee_juror)
    work_opened(project, kind="published", coop_wide=True)
    return project


def _review_submit(project, *, tasks, rulebook, actor, now, expected_amount):
    """Publishing a country-restricted project (issue 23; docs/transparency.md "The stewards'
    review"): everything a publish checks has passed and the money is taken now, at the cost the
    requester confirmed, but no slot is made: the project waits in `review` until a steward of its
    coop approves it (`tasks.services.country_review`). The fees' rulebook version is fixed here,
    so approval makes the slots under the same terms and they cost exactly what is held."""
    count = len(tasks) * project.assignments_per_task
    amount = project.reward * count + batch_fees(reward=project.reward, slots=count, rulebook=rulebook).total
    if expected_amount is not None and amount != expected_amount:
        raise Conflict("cost_changed", _("The cost changed since the page was shown: check the new figures."),
                       {"amount": amount, "expected_amount": expected_amount})
    escrow.hold(project=project, amount=amount, actor=actor)
    project.status = Project.Status.REVIEW
    project.review_state, project.review_reason = "pending", ""
    project.review_submitted_at, project.reviewed_at = now, None
    project.save()
    _event("project.review_submitted", project, actor, slots=count, amount=amount, rulebook_version=rulebook.version,
           legal_reason=project.legal_reason)
    link = reverse("tasks:steward_projects")
    for steward in stewards_of(project.coop_id):
        notify(user=steward, kind="project_review", link=link, subject=f"project_review:{project.pk}",
               message=gettext_noop("“%(p)s” is open only to members in some countries: review it before it opens."),
               params={"p": project.title})
    return project


@retry_transaction
@transaction.atomic
def project_pause(*, actor: User, project: Project) -> Project:
    project = project_for_update(project.pk)
    staff_check(user=actor, organisation=project.organisation)
    if project.status != Project.Status.OPEN:
        raise InvalidState("not_open", _("Only an open project can be paused."))
    project.status = Project.Status.PAUSED
    project.save(update_fields=["status"])
    _event("project.paused", project, actor)
    return project


@retry_transaction
@transaction.atomic
def project_resume(*, actor: User, project: Project) -> Project:
    project = project_for_update(project.pk)
    staff_check(user=actor, organisation=project.organisation)
    if project.status != Project.Status.PAUSED:
        raise InvalidState("not_paused", _("Only a paused project can be resumed."))
    if project.floor_paused_at is not None:
        raise InvalidState("floor_raise_required", _("This project pays under the floor at the time members really "
                                                     "take: raise the reward to reopen it."))
    project.status = Project.Status.OPEN
    project.save(update_fields=["status"])
    _event("project.resumed", project, actor)
    work_opened(project, kind="resumed", coop_wide=False)
    return project


@retry_transaction
@transaction.atomic
def project_cancel(*, actor: User, project: Project, now: datetime | None = None) -> Project:
    """Cancel: unclaimed slots are refunded at once; claimed work may still be finished and is
    reviewed as usual (a slot given back later is refunded then). It keeps counting towards its
    member's open-assignment cap until it is submitted, given back or expired, so the members
    holding it are told, with a link to it (DESIGN.md rule 7)."""
    project = project_for_update(project.pk)
    staff_check(user=actor, organisation=project.organisation)
    if project.status == Project.Status.CANCELLED:
        raise InvalidState("already_cancelled", _("This project is already cancelled."))
    # under the project's lock: a return or expiry waits for it (tasks.services.claiming.slot_reopen),
    # so a slot it reopens is either open now and refunded here, or refunded by it afterwards
    open_slots = open_slots_for_update(project.pk)
    Slot.objects.filter(pk__in=open_slots).update(status=Slot.Status.CANCELLED)
    open_slots_closed(project_id=project.pk, slot_ids=open_slots)
    amount = 0
    if project.published_at and open_slots:
        fees = Slot.objects.filter(pk__in=open_slots).aggregate(
            total=Sum(F("fee_coop") + F("fee_federation") + F("fee_juror")))["total"] or 0
        amount = len(open_slots) * project.reward + fees
    elif project.status == Project.Status.REVIEW:  # no slot yet: all that its review holds goes back
        amount = project.escrow_held - project.escrow_refunded
        project.review_state = ""
    escrow.refund_cancelled(project=project, amount=amount, actor=actor)
    project.status = Project.Status.CANCELLED
    project.cancelled_at = now or timezone.now()
    project.save()
    _event("project.cancelled", project, actor, slots=len(open_slots), refunded=amount)
    _holders_tell_cancelled(project)
    return project


def _holders_tell_cancelled(project):
    """Tell each member whose work on the just-cancelled `project` is still open (claimed, or
    returned for revision) that they may finish it, paid as usual, or give it back."""
    holding = (Assignment.objects.filter(project=project, status__in=Assignment.OPEN_STATUSES)
               .select_related("member").order_by("pk"))
    for assignment in holding:
        notify(user=assignment.member, kind="project_cancelled", link=f"/work/assignments/{assignment.pk}/",
               text=lambda: _("The requester cancelled “%(p)s”. You may still finish the task you hold: it is "
                              "reviewed and paid as usual. Or give it back (no penalty) to free your place.")
               % {"p": project.title})
