"""Reads of the MTurk-compatible API: Atelier's rows in the shapes of botocore's `mturk`
model (HIT, Assignment, BonusPayment, ...), and the member's frame."""

from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organisation, User
from coop.core.money import format_plain
from coop.federation.models import Coop
from ledger.selectors import escrow_by_project, requester_balance
from tasks.models import Assignment, Bonus, Slot
from tasks.mturk import ids
from tasks.mturk.models import Hit, QualificationType
from tasks.mturk.protocol import MturkError
from tasks.mturk.questions import answers_xml
from tasks.qualifications.models import Qualification, QualificationGrant

PENDING = (Assignment.Status.CLAIMED, Assignment.Status.REVISION_REQUESTED)
STATUS = {
    Assignment.Status.SUBMITTED: "Submitted",
    Assignment.Status.APPROVED: "Approved", Assignment.Status.OVERTURNED: "Approved",
    Assignment.Status.VOIDED: "Approved",
    Assignment.Status.REJECTED: "Rejected", Assignment.Status.REJECTION_FINAL: "Rejected",
    Assignment.Status.APPEALED: "Rejected", Assignment.Status.UPHELD: "Rejected", Assignment.Status.FROZEN: "Rejected",
}
LISTED = tuple(STATUS)
COMPLETED = tuple(s for s, name in STATUS.items() if name != "Submitted")
DEFAULT_PAGE = 100


def money(amount: int) -> str:
    return format_plain(amount)


def account_balance(*, organisation: Organisation) -> dict:
    return {"AvailableBalance": money(requester_balance(organisation=organisation)),
            "OnHoldBalance": money(sum(escrow_by_project(organisation=organisation).values()))}


def hits_with_counts(qs: QuerySet[Hit], now: datetime | None = None) -> QuerySet[Hit]:
    return qs.select_related("hit_type", "project").annotate(
        open_slots=Count("task__slots", filter=Q(task__slots__status=Slot.Status.OPEN), distinct=True),
        pending=Count("task__assignments", filter=Q(task__assignments__status__in=PENDING), distinct=True),
        completed=Count("task__assignments", filter=Q(task__assignments__status__in=COMPLETED), distinct=True),
    )


def hit_for(*, organisation: Organisation, code: str) -> Hit:
    hit = hits_with_counts(Hit.objects.filter(organisation=organisation, code=str(code or ""))).first()
    if hit is None:
        raise MturkError(f"Hit {code} does not exist.", "AWS.MechanicalTurk.HITDoesNotExist")
    return hit


def hit_status(hit: Hit, now: datetime) -> str:
    if hit.deleted_at:
        return "Disposed"
    open_now = hit.open_slots if hit.expires_at > now and hit.project.status == "open" else 0
    if open_now:
        return "Assignable"
    if hit.pending:
        return "Unassignable"
    return "Reviewing" if hit.reviewing else "Reviewable"


def hit_out(hit: Hit, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    hit_type = hit.hit_type
    out = {
        "HITId": hit.code, "HITTypeId": hit_type.code, "HITGroupId": hit_type.code,
        "CreationTime": hit.created_at, "Title": hit_type.title, "Description": hit_type.description,
        "Question": hit.question, "Keywords": hit_type.keywords, "HITStatus": hit_status(hit, now),
        "MaxAssignments": hit.max_assignments, "Reward": money(hit_type.reward),
        "AutoApprovalDelayInSeconds": hit.project.auto_approval_hours * 3600,
        "Expiration": hit.expires_at, "AssignmentDurationInSeconds": hit_type.assignment_duration_seconds,
        "QualificationRequirements": hit_type.qualification_requirements or [],
        "HITReviewStatus": hit.review_status,
        "NumberOfAssignmentsPending": hit.pending,
        "NumberOfAssignmentsAvailable": hit.open_slots if hit.expires_at > now and not hit.deleted_at
        and hit.project.status == "open" else 0,
        "NumberOfAssignmentsCompleted": hit.completed,
    }
    if hit.requester_annotation:
        out["RequesterAnnotation"] = hit.requester_annotation
    return out


def page(qs: QuerySet, params: dict, *, order: str = "pk") -> tuple[list, str | None]:
    """One page of `qs` by MaxResults and NextToken (the last pk seen), and the next token."""
    size = params.get("MaxResults", DEFAULT_PAGE)
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 100:
        raise MturkError("MaxResults must be between 1 and 100.")
    token = params.get("NextToken")
    if token is not None:
        try:
            after = int(token)
        except (TypeError, ValueError):
            raise MturkError("NextToken is not one this API gave.")
        qs = qs.filter(pk__lt=after) if order == "-pk" else qs.filter(pk__gt=after)
    rows = list(qs.order_by(order)[:size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (str(rows[-1].pk) if more and rows else None)


def assignment_out(assignment: Assignment, hit: Hit) -> dict:
    status = STATUS[assignment.status]
    project = assignment.project
    out = {
        "AssignmentId": ids.assignment_code(assignment.pk),
        "WorkerId": ids.worker_code(user=assignment.member_id, organisation=project.organisation_id),
        "HITId": hit.code, "AssignmentStatus": status, "AcceptTime": assignment.claimed_at,
        "Deadline": assignment.deadline_at,
    }
    if assignment.submitted_at:
        out["SubmitTime"] = assignment.submitted_at
        out["AutoApprovalTime"] = assignment.submitted_at + timedelta(hours=project.auto_approval_hours)
    if status == "Approved" and assignment.reviewed_at:
        out["ApprovalTime"] = assignment.reviewed_at
    if status == "Rejected" and assignment.reviewed_at:
        out["RejectionTime"] = assignment.reviewed_at
    answer = answers_xml(kind=hit.kind, answers=assignment.answers, answer_map=hit.answer_map,
                         form=project.question_form)
    if answer:
        out["Answer"] = answer
    if assignment.rejection_explanation:
        out["RequesterFeedback"] = assignment.rejection_explanation
    return out


def assignments_of_hit(hit: Hit) -> QuerySet[Assignment]:
    return Assignment.objects.filter(task_id=hit.task_id, status__in=LISTED).select_related("project")


def assignment_for(*, organisation: Organisation, code: str) -> tuple[Assignment, Hit]:
    """The assignment an AssignmentId names, of this organisation, with its HIT."""
    pk = ids.assignment_pk(code)
    assignment = (Assignment.objects.select_related("project", "project__organisation", "project__coop")
                  .filter(pk=pk, project__organisation=organisation).first()) if pk else None
    hit = Hit.objects.filter(task_id=assignment.task_id).first() if assignment else None
    if assignment is None or hit is None:
        raise MturkError(f"Assignment {code} does not exist.", "AWS.MechanicalTurk.AssignmentDoesNotExist")
    return assignment, hit


def bonuses_of(*, organisation: Organisation, hit: Hit | None = None,
               assignment: Assignment | None = None) -> QuerySet[Bonus]:
    qs = Bonus.objects.filter(organisation=organisation).select_related("assignment", "assignment__task")
    if assignment is not None:
        return qs.filter(assignment=assignment)
    return qs.filter(assignment__task_id=hit.task_id)


def bonus_out(bonus: Bonus, organisation_id: int) -> dict:
    return {"WorkerId": ids.worker_code(user=bonus.assignment.member_id, organisation=organisation_id),
            "BonusAmount": money(bonus.amount), "AssignmentId": ids.assignment_code(bonus.assignment_id),
            "Reason": bonus.reason, "GrantTime": bonus.created_at}


def worker_for(*, organisation: Organisation, worker_id: str) -> User:
    """The member behind a WorkerId, among those who worked for the organisation."""
    pseudonym = ids.pseudonym_of(worker_id)
    if pseudonym:
        for user in User.objects.filter(assignments__project__organisation=organisation).distinct():
            if ids.worker_code(user=user, organisation=organisation) == worker_id:
                return user
    raise MturkError(f"No worker {worker_id} has worked for you.", "AWS.MechanicalTurk.WorkerDoesNotExist")



def coops_for_defaults(*, organisation: Organisation) -> QuerySet[Coop]:
    """The coops an organisation may choose as its scripts' default."""
    if organisation.sandbox_of_id is not None:
        return Coop.objects.filter(sandbox_of=organisation.sandbox_of_id)
    return Coop.objects.filter(sandbox_of__isnull=True).order_by("name", "pk")


# --- qualification types ---------------------------------------------------------------------------

def type_state(qualification: Qualification) -> QualificationType | None:
    """The qualification's MTurk row, or None (a coop's own, or one made on Atelier's pages)."""
    return QualificationType.objects.filter(qualification=qualification).first()


def qualification_for(*, organisation: Organisation, code: str,
                      owned: bool = False) -> tuple[Qualification, QualificationType | None]:
    """The qualification a QualificationTypeId names, visible to this organisation (its own, or
    a coop's published one); with `owned`, its own only."""
    pk = ids.qualification_pk(code)
    qualification = Qualification.objects.select_related("coop", "current_version").filter(pk=pk).first() \
        if pk else None
    state = type_state(qualification) if qualification else None
    visible = qualification is not None and (
        qualification.organisation_id == organisation.pk or (qualification.organisation_id is None and not owned
                                                              and qualification.coop.sandbox_of_id
                                                              == organisation.sandbox_of_id))
    if not visible or (state and state.status == QualificationType.Status.DISPOSED):
        raise MturkError(f"Qualification type {code} does not exist.",
                         "AWS.MechanicalTurk.QualificationTypeDoesNotExist")
    if owned and qualification.organisation_id != organisation.pk:
        raise MturkError(f"Qualification type {code} is not yours.", "AWS.MechanicalTurk.QualificationTypeDoesNotExist")
    return qualification, state


def holders(*, qualification: Qualification, status: str) -> QuerySet[QualificationGrant]:
    """Grants of the qualification: active ones (Granted) or ended ones (Revoked)."""
    qs = QualificationGrant.objects.filter(qualification=qualification)
    return qs.filter(Q(revoked_at__isnull=status == "Granted")).order_by("pk")


def qualification_types(*, organisation: Organisation, owned: bool, query: str | None = None,
                        requestable: bool = False) -> QuerySet[Qualification]:
    """Qualification types this organisation may use: its own (not disposed) and, unless
    `owned`, every coop's published ones."""
    qs = Qualification.objects.select_related("mturk_type").exclude(
        mturk_type__status=QualificationType.Status.DISPOSED)
    # a coop's own qualifications of the organisation's world (a sandbox sees its sandbox coop's)
    published = Q(organisation__isnull=True, coop__sandbox_of=organisation.sandbox_of_id)
    qs = qs.filter(organisation=organisation) if owned else qs.filter(Q(organisation=organisation) | published)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(description__icontains=query))
    if requestable:
        qs = qs.filter(kind=Qualification.Kind.TEST)
    return qs


def qualification_type_out(qualification: Qualification) -> dict:
    try:
        state = qualification.mturk_type
    except QualificationType.DoesNotExist:
        state = None
    return {
        "QualificationTypeId": ids.qualification_type_code(qualification.pk),
        "CreationTime": qualification.created_at, "Name": qualification.name,
        "Description": qualification.description, "Keywords": state.keywords if state else "",
        "QualificationTypeStatus": state.status if state else "Active",
        "IsRequestable": qualification.kind == Qualification.Kind.TEST, "AutoGranted": False,
    }


def qualification_out(grant: QualificationGrant, organisation_id: int) -> dict:
    return {"QualificationTypeId": ids.qualification_type_code(grant.qualification_id),
            "WorkerId": ids.worker_code(user=grant.member_id, organisation=organisation_id),
            "GrantTime": grant.granted_at, "IntegerValue": 1,
            "Status": "Granted" if grant.revoked_at is None else "Revoked"}


# --- the member's side ----------------------------------------------------------------------------

def work_frame_url(assignment: Assignment, request: HttpRequest) -> dict | None:
    """The frame of an HTML or external question, with MTurk's four parameters; None otherwise."""
    hit = Hit.objects.filter(task_id=assignment.task_id).first()
    if hit is None or hit.kind == Hit.Kind.FORM:
        return None
    query = urlencode({
        "assignmentId": ids.assignment_code(assignment.pk), "hitId": hit.code,
        "workerId": ids.worker_code(user=assignment.member_id, organisation=hit.organisation_id),
        "turkSubmitTo": request.build_absolute_uri("/").rstrip("/"),
    })
    if hit.kind == Hit.Kind.EXTERNAL:
        url = hit.external_url + ("&" if "?" in hit.external_url else "?") + query
    else:
        url = reverse("mturk:frame", kwargs={"pk": assignment.pk}) + "?" + query
    return {"url": url, "height": hit.frame_height, "external": hit.kind == Hit.Kind.EXTERNAL}
