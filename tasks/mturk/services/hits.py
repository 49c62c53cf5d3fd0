"""The writes of the MTurk-compatible API. Each maps one MTurk operation onto Atelier's own
services (`tasks.services`), which check the rules, move the money and record the events; the
rows of this package (HIT types, HITs, bonus tokens, defaults, blocks) are written here, in
the same transaction, with an event of their own.

Every function is atomic and may nest in the endpoint's transaction: an operation that fails
half-way leaves nothing behind (a HIT refused by the floor creates no project, holds no money)."""

import hashlib
import json
import math
import re
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import ApiKey, Organisation, User
from coop.core.errors import DomainError
from coop.core.money import format_amount, parse_amount
from coop.eventlog.services import event_record
from coop.federation.models import Coop
from coop.federation.selectors import rulebook_in_force
from tasks import services as task_services
from tasks.models import Assignment, Bonus, Project
from tasks.mturk import ids
from tasks.mturk.models import BonusToken, Hit, HitType, RequesterDefaults, WorkerBlock
from tasks.mturk.protocol import MturkError
from tasks.mturk.questions import FRAME_FORM, question_parse
from tasks.mturk.services.common import _call, _coop, _domain_message, _keywords
from tasks.mturk.services.qualifications import requirements_apply, requirements_check

MAX_ASSIGNMENTS = 50  # Atelier's assignments per task
REASON_RE = re.compile(r"^\s*\[reason:([a-z0-9_\-]+)\]\s*", re.I)
DEFAULT_REASON = "instructions_not_followed"


def _seconds(params, name, *, required=True, default=None, low=1, high=365 * 24 * 3600):
    value = params.get(name, default)
    if value is None:
        if required:
            raise MturkError(f"{name} is required.")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise MturkError(f"{name} must be a whole number of seconds between {low} and {high}.")
    return value


def _money(amount):
    return format_amount(amount, language="en")


def hit_type_settings(*, organisation: Organisation, params: dict) -> dict:
    """The cleaned settings of a HIT type from CreateHIT / CreateHITType parameters."""
    title = str(params.get("Title") or "").strip()
    description = str(params.get("Description") or "").strip()
    if not title or len(title) > 200:
        raise MturkError("Title is required (up to 200 characters).")
    if not description:
        raise MturkError("Description is required.")
    try:
        reward = parse_amount(params.get("Reward", ""))
    except DomainError as exc:
        raise MturkError(f"Reward: {exc.message}")
    if reward <= 0:
        raise MturkError("Reward must be above zero.")
    duration = _seconds(params, "AssignmentDurationInSeconds", low=30, high=7 * 24 * 3600)
    auto = _seconds(params, "AutoApprovalDelayInSeconds", required=False, default=3 * 24 * 3600, low=0,
                    high=30 * 24 * 3600)
    plain, options = _keywords(params.get("Keywords"))
    coop = _coop(organisation, options)
    duration_minutes = math.ceil(duration / 60)
    if "estimate" in options:
        try:
            estimate = int(options["estimate"])
        except ValueError:
            raise MturkError("The keyword estimate:<minutes> takes a whole number of minutes.")
        if not 1 <= estimate <= min(duration_minutes, 24 * 60):
            raise MturkError("estimate:<minutes> must be between 1 and the assignment duration in minutes.")
    else:
        estimate = min(duration_minutes, 24 * 60)  # the reading most protective of members
    requirements = params.get("QualificationRequirements") or []
    requirements_check(organisation=organisation, coop=coop, requirements=requirements)
    rulebook = rulebook_in_force(coop=coop)
    floor = rulebook["floor_hourly_rate"]
    if reward * 60 < floor * estimate:
        hourly = reward * 60 // estimate
        minimum = -(-floor * estimate // 60)
        raise MturkError(
            f"The reward {_money(reward)} for {estimate} minutes of work is {_money(hourly)} an hour, below the floor "
            f"of {_money(floor)} an hour voted by the members of coop {coop.slug}: raise the Reward to at least "
            f"{_money(minimum)}, or give a shorter time estimate with the keyword estimate:<minutes>.",
            "Atelier.BelowFloorRate")
    return {
        "title": title, "description": description, "keywords": ", ".join(plain), "reward": reward,
        "assignment_duration_seconds": duration,
        "auto_approval_delay_seconds": auto, "qualification_requirements": requirements, "coop": coop,
        "estimated_minutes": estimate,
    }


def _signature(settings):
    data = {k: (v.pk if k == "coop" else v) for k, v in settings.items()}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


@transaction.atomic
def hit_type_create(*, key: ApiKey, params: dict) -> HitType:
    """CreateHITType: the HIT type with these settings (the same settings give the same one)."""
    organisation = key.organisation
    settings = hit_type_settings(organisation=organisation, params=params)
    signature = _signature(settings)
    hit_type = HitType.objects.filter(organisation=organisation, signature=signature).first()
    if hit_type is None:
        try:
            with transaction.atomic():
                hit_type = HitType.objects.create(organisation=organisation, code=ids.new_code(),
                                                  signature=signature, **settings)
        except IntegrityError:  # a twin made it first
            hit_type = HitType.objects.get(organisation=organisation, signature=signature)
        else:
            event_record(type="mturk.hit_type_created", coop=hit_type.coop_id, actor=key.created_by,
                         subject=organisation, payload={"organisation": organisation.pk, "hit_type": hit_type.pk})
    return hit_type


def _project_for(*, key, hit_type, max_assignments, question, form, form_key):
    """The open project that takes this HIT: one per HIT type, number of assignments and form."""
    hit = (Hit.objects.filter(hit_type=hit_type, max_assignments=max_assignments, project__status=Project.Status.OPEN)
           .filter(project__question_form=form).select_related("project").order_by("-pk").first()) \
        if form_key else None
    if hit is not None:
        return hit.project, False
    rulebook = rulebook_in_force(coop=hit_type.coop)
    instructions = hit_type.description + (f"\n\n{question.overview}" if question.overview else "")
    category = re.sub(r"[^a-z0-9_-]", "", (hit_type.keywords.split(",")[0] if hit_type.keywords else "").strip()
                      .lower().replace(" ", "-"))[:60] or "mturk"
    project = task_services.project_create(
        actor=key.created_by, organisation=key.organisation, coop=hit_type.coop, title=hit_type.title,
        category=category, instructions=instructions, question_form=form, reward=hit_type.reward,
        estimated_minutes=hit_type.estimated_minutes, assignments_per_task=max_assignments,
        time_limit_minutes=max(hit_type.estimated_minutes, math.ceil(hit_type.assignment_duration_seconds / 60)),
        auto_approval_hours=max(1, min(math.ceil(hit_type.auto_approval_delay_seconds / 3600),
                                       rulebook["auto_approval_hours"])))
    requirements_apply(key=key, project=project, coop=hit_type.coop, requirements=hit_type.qualification_requirements)
    return project, True


@transaction.atomic
def hit_create(*, key: ApiKey, params: dict, hit_type: HitType | None = None, now: datetime | None = None) -> Hit:
    """CreateHIT (with `hit_type` None) or CreateHITWithHITType: a task in the HIT type's open
    project (created and published with the first HIT), its slots paid into escrow at once."""
    now = now or timezone.now()
    organisation = key.organisation
    token = params.get("UniqueRequestToken")
    if token is not None:
        if not isinstance(token, str) or not 1 <= len(token) <= 64:
            raise MturkError("UniqueRequestToken must be 1 to 64 characters.")
        existing = Hit.objects.filter(organisation=organisation, unique_request_token=token).first()
        if existing:
            raise MturkError(f"The HIT with ID {existing.code} already exists with this UniqueRequestToken.",
                             "AWS.MechanicalTurk.HitAlreadyExists")
    if params.get("HITLayoutId"):
        raise MturkError("HIT layouts are not supported: send the Question itself.", "Atelier.NotSupported")
    if params.get("AssignmentReviewPolicy") or params.get("HITReviewPolicy"):
        raise MturkError("Review policies are not supported: review in Atelier or with ApproveAssignment / "
                         "RejectAssignment.", "Atelier.NotSupported")
    max_assignments = params.get("MaxAssignments", 1)
    if isinstance(max_assignments, bool) or not isinstance(max_assignments, int) or \
            not 1 <= max_assignments <= MAX_ASSIGNMENTS:
        raise MturkError(f"MaxAssignments must be between 1 and {MAX_ASSIGNMENTS}.")
    lifetime = _seconds(params, "LifetimeInSeconds", low=30, high=365 * 24 * 3600)
    question = question_parse(params.get("Question"))
    if hit_type is None:
        hit_type = hit_type_create(key=key, params=params)
    form = question.form if question.kind == "form" else FRAME_FORM
    annotation = str(params.get("RequesterAnnotation") or "")
    if len(annotation) > 2000:
        raise MturkError("RequesterAnnotation is limited to 2000 characters.")
    try:
        project, new = _project_for(key=key, hit_type=hit_type, max_assignments=max_assignments, question=question,
                                    form=form, form_key=True)
        code = ids.new_code()
        tasks = task_services.tasks_add(actor=key.created_by, project=project, rows=[{"hit": code}], now=now)
        if new:
            project = task_services.project_publish(actor=key.created_by, project=project, now=now)
    except DomainError as exc:
        raise MturkError(_domain_message(exc), f"Atelier.{exc.code}")
    hit = Hit.objects.create(
        organisation=organisation, hit_type=hit_type, project=project, task=tasks[0], code=code, kind=question.kind,
        question=params["Question"], answer_map=question.answer_map, frame_height=question.frame_height,
        external_url=question.external_url, max_assignments=max_assignments,
        expires_at=now + timedelta(seconds=lifetime), requester_annotation=annotation, unique_request_token=token,
        created_at=now)
    event_record(type="mturk.hit_created", coop=project.coop_id, actor=key.created_by, subject=project,
                 payload={"organisation": organisation.pk, "project": project.pk, "task": tasks[0].pk, "hit": hit.pk})
    return hit


@transaction.atomic
def assignment_approve(*, key: ApiKey, assignment: Assignment, feedback: str = "",
                       override_rejection: bool = False) -> Assignment:
    """ApproveAssignment. With OverrideRejection on a rejected assignment: the requester's
    reversal, paid (the rejection's escrow is still held until the appeal window closes)."""
    if assignment.status in (Assignment.Status.REJECTED, Assignment.Status.FROZEN):
        if not override_rejection:
            raise MturkError("This assignment was rejected: approve it with OverrideRejection=True to reverse "
                             "the rejection and pay the worker.", "Atelier.not_submitted")
        return _call(task_services.assignment_rejection_reverse, actor=key.created_by, assignment=assignment)
    return _call(task_services.assignment_approve, actor=key.created_by, assignment=assignment)


def rejection_reason_for(*, organisation: Organisation, coop: Coop, feedback: str) -> tuple[str, str]:
    """(reason code, explanation): a `[reason:<code>]` prefix, else the organisation's default,
    else `instructions_not_followed`; the rest of the feedback is the explanation."""
    match = REASON_RE.match(feedback or "")
    if match:
        return match[1].lower(), feedback[match.end():].strip()
    defaults = RequesterDefaults.objects.filter(organisation=organisation).first()
    reasons = rulebook_in_force(coop=coop)["rejection_reasons"]
    reason = defaults.rejection_reason if defaults and defaults.rejection_reason else DEFAULT_REASON
    if reason not in reasons:
        reason = next(iter(reasons), reason)
    return reason, (feedback or "").strip()


@transaction.atomic
def assignment_reject(*, key: ApiKey, assignment: Assignment, feedback: str) -> Assignment:
    """RejectAssignment: RequesterFeedback is the written explanation; the published reason is
    the organisation's default or a `[reason:<code>]` prefix. Appealable, and the brake applies."""
    reason, explanation = rejection_reason_for(organisation=key.organisation, coop=assignment.project.coop,
                                               feedback=feedback)
    return _call(task_services.assignment_reject, actor=key.created_by, assignment=assignment, reason=reason,
                 explanation=explanation)


@transaction.atomic
def bonus_send(*, key: ApiKey, assignment: Assignment, amount: int, reason: str, token: str | None = None) -> Bonus:
    """SendBonus; a UniqueRequestToken already used pays nothing more and is an error naming it."""
    organisation = key.organisation
    if token is not None:
        if not isinstance(token, str) or not 1 <= len(token) <= 64:
            raise MturkError("UniqueRequestToken must be 1 to 64 characters.")
        if BonusToken.objects.filter(organisation=organisation, token=token).exists():
            raise MturkError(f"A bonus was already paid with the UniqueRequestToken {token}.",
                             "AWS.MechanicalTurk.BonusAlreadyPaid")
    bonus = _call(task_services.assignment_bonus, actor=key.created_by, assignment=assignment, amount=amount,
                  reason=reason)
    if token is not None:
        try:
            with transaction.atomic():
                BonusToken.objects.create(organisation=organisation, token=token, bonus=bonus)
        except IntegrityError:
            # a twin request with the same token committed first: this one must not pay
            raise MturkError(f"A bonus was already paid with the UniqueRequestToken {token}.",
                             "AWS.MechanicalTurk.BonusAlreadyPaid")
    return bonus


def _defaults(organisation):
    return RequesterDefaults.objects.get_or_create(organisation=organisation)[0]


@transaction.atomic
def worker_block(*, key: ApiKey, member: User, reason: str = "") -> WorkerBlock:
    block, created = WorkerBlock.objects.get_or_create(organisation=key.organisation, member=member,
                                                       defaults={"reason": str(reason or "")[:2000]})
    if created:
        # private: the event names the organisation only, never the member (docs/mturk.md)
        event_record(type="mturk.worker_blocked", actor=key.created_by, subject=key.organisation,
                     payload={"organisation": key.organisation_id})
    return block


@transaction.atomic
def worker_unblock(*, key: ApiKey, member: User) -> bool:
    deleted, _rows = WorkerBlock.objects.filter(organisation=key.organisation, member=member).delete()
    if deleted:
        event_record(type="mturk.worker_unblocked", actor=key.created_by, subject=key.organisation,
                     payload={"organisation": key.organisation_id})
    return bool(deleted)
