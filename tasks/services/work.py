"""A member's side of an assignment: draft, submit, return; consent and watches; expiry."""

from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from accounts.services import notify
from coop.core import clock
from coop.core.db import execute_one, retry_transaction, save_fields
from coop.core.entropy import token_bytes
from coop.eventlog.clock import now_us
from coop.eventlog.listeners import event_heard, listeners_for
from coop.eventlog.services import event_record
from coop.federation.models import Coop
from coop.ops import metrics
from tasks.eligibility import TRANSIENT_CODES, MemberContext, eligibility_with
from tasks.errors import Expired, InvalidAnswers, InvalidState, NotYours
from tasks.exposure import floor_for
from tasks.locks import assignment_for_update, assignment_of_member_for_update
from tasks.models import Assignment, DataConsent, Project, ProjectWatch
from tasks.questions import answers_validate, draft_clean
from tasks.services.claiming import in_force_guess, in_force_seen, in_own_transaction, slot_reopen
from tasks.services.floor import SAMPLE, project_floor_check

SUBMITTED_FIELDS = ("time_spent_seconds", "answers", "draft", "status", "submitted_at", "revisions")


def _own(member, assignment_id):
    try:
        assignment = assignment_of_member_for_update(getattr(assignment_id, "pk", assignment_id))
    except Assignment.DoesNotExist:
        raise NotYours()
    if assignment.member_id != member.pk:
        raise NotYours()
    return assignment


def _payload(assignment, **extra):
    return {"assignment": assignment.pk, "project": assignment.project_id,
            "organisation": assignment.project.organisation_id, **extra}


@retry_transaction
@transaction.atomic
def assignment_draft_save(*, member: User, assignment: Assignment, draft: dict,
                          now: datetime | None = None) -> Assignment:
    """Keep the member's unfinished answers on the server (no event: nothing is decided)."""
    assignment = _own(member, assignment)
    if assignment.status not in Assignment.OPEN_STATUSES:
        raise InvalidState()
    assignment.draft = draft_clean(assignment.project.question_form, draft)
    assignment.draft_saved_at = now or clock.now()
    assignment.save(update_fields=["draft", "draft_saved_at"])
    return assignment


@retry_transaction
def assignment_submit(*, member: User, assignment: Assignment, answers: dict,
                      now: datetime | None = None) -> Assignment:
    """Submit answers, checked against the form. A claimed assignment must be within its time
    limit; a revision may be resubmitted until its own deadline.

    On PostgreSQL ONE call of the database function `atelier_submit` (migration tasks 0011) when
    it can decide as the Python path would (`_submit_in_database`); otherwise, and elsewhere, the
    Python path (`_submit_in_python`, the reference), in its own transaction."""
    now = now or clock.now()
    if connection.vendor == "postgresql":
        submitted = _submit_in_database(member, assignment, answers, now)
        if submitted is not None:
            return submitted
    return _submit_in_python(member=member, assignment=assignment, answers=answers, now=now)


# The question form of each project this process submitted to, with its coop: the answers are
# checked against it before the database function, which compares it with the project's own.
_FORMS: dict[int, tuple[int, list]] = {}
_FORMS_MAX = 1024
SUBMIT_FUNCTION_SQL = "SELECT * FROM atelier_submit(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"


def _submit_in_database(member, assignment, answers, now):
    """The submission as ONE call of `atelier_submit`: the assignment's lock, the checks, the
    UPDATE, its event and the floor check in one round trip (autocommit when no transaction is
    open). Returns `assignment` updated; raises NotYours and Expired as the Python path does;
    returns None, having written nothing, for whatever it leaves to Python: a project whose form
    this process has not seen (or a highlight, checked against the task's text), answers the form
    refuses (Python raises in its order), a status that cannot be submitted, a rulebook other than
    the one last seen in force, a floor check that pauses the project."""
    known = _FORMS.get(getattr(assignment, "project_id", None))
    if known is None:
        return None
    coop_id, form, flags = known
    rulebook = in_force_guess(coop_id)
    if rulebook is None or any(f.get("type") == "highlight" for f in form):
        return None
    try:
        clean = answers_validate(form, answers, None)
    except InvalidAnswers:
        return None
    answers_db = Assignment._meta.get_field("answers").get_db_prep_save(clean, connection)
    form_db = Project._meta.get_field("question_form").get_db_prep_save(form, connection)
    with in_own_transaction():
        outcome, seconds, time_spent, revisions, revision, organisation_id, event_id, number, subscribed = execute_one(
            SUBMIT_FUNCTION_SQL, [member.pk, assignment.pk, assignment.project_id, coop_id, now, form_db, answers_db,
                                  rulebook.version, rulebook["floor_check_submissions"], floor_for(rulebook, flags),
                                  SAMPLE, token_bytes(16), now_us()])
    if outcome == "submitted":
        payload = {"assignment": assignment.pk, "project": assignment.project_id, "organisation": organisation_id,
                   "seconds": seconds, "revision": revision}
        metrics.event_recorded("assignment.submitted")
        if listeners_for("assignment.submitted"):
            event_heard(event_id=event_id, type="assignment.submitted", coop_id=coop_id, actor_id=member.pk,
                        subject_type="tasks.assignment", subject_id=str(assignment.pk), payload=payload,
                        subscribed=subscribed)
        assignment.time_spent_seconds, assignment.revisions = time_spent, revisions
        assignment.answers, assignment.draft = clean, None
        assignment.status, assignment.submitted_at = Assignment.Status.SUBMITTED, now
        return assignment
    in_force_seen(coop_id, number)
    if outcome == "not_yours":
        raise NotYours()
    if outcome == "expired":
        raise Expired()
    return None  # 'fallback'


@transaction.atomic
def _submit_in_python(*, member: User, assignment: Assignment, answers: dict, now: datetime) -> Assignment:
    """The submission in Python: the reference the database function agrees with, and the path
    of whatever that function leaves to it."""
    assignment = _own(member, assignment)
    if len(_FORMS) >= _FORMS_MAX:  # bounded: a long-lived process forgets them all and learns again
        _FORMS.clear()
    _FORMS[assignment.project_id] = (assignment.project.coop_id, assignment.project.question_form,
                                     tuple(assignment.project.data_flags or ()))
    if assignment.status not in Assignment.OPEN_STATUSES:
        raise InvalidState("not_submittable", _("This task cannot be submitted now (it is %(s)s).")
                           % {"s": assignment.get_status_display()})
    if now > assignment.deadline_at:
        raise Expired()
    form = assignment.project.question_form  # a highlight's offsets are checked against its task's text
    data = assignment.task.data if any(f.get("type") == "highlight" for f in form) else None
    clean = answers_validate(form, answers, data)
    revising = assignment.status == Assignment.Status.REVISION_REQUESTED
    started = assignment.reviewed_at if revising else assignment.claimed_at
    spent = max(0, int((now - started).total_seconds()))
    assignment.time_spent_seconds = (assignment.time_spent_seconds or 0) + spent if revising else spent
    assignment.answers = clean
    assignment.draft = None
    assignment.status = Assignment.Status.SUBMITTED
    assignment.submitted_at = now
    if revising:
        assignment.revisions += 1
    save_fields(assignment, SUBMITTED_FIELDS)  # prepared on PostgreSQL, as the lock (issue 18)
    event_record(type="assignment.submitted", coop=assignment.project.coop_id, actor=member, subject=assignment,
                 payload=_payload(assignment, seconds=spent, revision=int(revising)))
    project_floor_check(project_id=assignment.project_id, now=now, project=assignment.project)
    return assignment


@retry_transaction
@transaction.atomic
def assignment_return(*, member: User, assignment: Assignment, now: datetime | None = None) -> Assignment:
    """Give a claimed task back, without penalty: its slot reopens."""
    assignment = _own(member, assignment)
    if assignment.status != Assignment.Status.CLAIMED:
        raise InvalidState("not_returnable", _("Only a task you hold and have not submitted can be returned."))
    assignment.status = Assignment.Status.RETURNED
    assignment.ended_at = now or clock.now()
    assignment.draft = None
    assignment.save(update_fields=["status", "ended_at", "draft"])
    slot_reopen(slot=assignment.slot_id, project=assignment.project, assignment=assignment, actor=member)
    event_record(type="assignment.returned", coop=assignment.project.coop_id, actor=member, subject=assignment,
                 payload=_payload(assignment))
    return assignment


@retry_transaction
@transaction.atomic
def assignment_expire(*, assignment_id: int, now: datetime | None = None) -> bool:
    """The time limit passed: the assignment expires and its slot reopens. A revision whose
    deadline passed goes back to review with the answers already given (the work was done).
    Idempotent: anything else is left alone. Returns True if it changed something."""
    now = now or clock.now()
    assignment = assignment_for_update(assignment_id)
    if assignment.deadline_at > now:
        return False
    project = assignment.project
    if assignment.status == Assignment.Status.CLAIMED:
        assignment.status = Assignment.Status.EXPIRED
        assignment.ended_at = now
        assignment.save(update_fields=["status", "ended_at"])
        slot_reopen(slot=assignment.slot, project=project, assignment=assignment)
        event_record(type="assignment.expired", coop=project.coop_id, subject=assignment, payload=_payload(assignment))
        notify(user=assignment.member, kind="assignment",
               message=gettext_noop("The time limit for a task of “%(p)s” passed; it went back to the pool."),
               params={"p": project.title},
               link="/work/mine/")
        return True
    if assignment.status == Assignment.Status.REVISION_REQUESTED:
        assignment.status = Assignment.Status.SUBMITTED
        assignment.submitted_at = now
        assignment.save(update_fields=["status", "submitted_at"])
        event_record(type="assignment.revision_lapsed", coop=project.coop_id, subject=assignment,
                     payload=_payload(assignment))
        return True
    return False


@retry_transaction
@transaction.atomic
def data_consent_give(*, member: User, project: Project) -> DataConsent:
    """The member read the project's data flags and agrees to work with such data."""
    project = Project.objects.get(pk=project.pk)
    if not project.data_flags:
        raise InvalidState("no_consent_needed", _("This project does not ask for consent."))
    consent, created = DataConsent.objects.get_or_create(project=project, member=member,
                                                         defaults={"flags": list(project.data_flags)})
    if not created and set(consent.flags) != set(project.data_flags):
        consent.flags, consent.given_at = list(project.data_flags), clock.now()
        consent.save(update_fields=["flags", "given_at"])
    event_record(type="data_consent.given", coop=project.coop_id, actor=member, subject=project,
                 payload={"project": project.pk, "flags": sorted(project.data_flags)})
    return consent


@retry_transaction
@transaction.atomic
def project_watch(*, member: User, coop: Coop, project: Project | None = None) -> ProjectWatch:
    """Tell `member` when `project` opens (or reopens, or gets new tasks); with no project,
    when any new project of the coop opens.

    Records no event: a watch is a member's private reminder setting; it decides nothing and
    moves no money, and an event (public envelope, coop members' payload) would publish who
    watches what."""
    try:
        with transaction.atomic():
            watch = ProjectWatch.objects.create(member=member, coop=coop, project=project)
    except IntegrityError:
        watch = ProjectWatch.objects.get(member=member, coop=coop, project=project)
        watch.notified_at = None
        watch.save(update_fields=["notified_at"])
    return watch


@retry_transaction
@transaction.atomic
def project_unwatch(*, member: User, coop: Coop, project: Project | None = None) -> int:
    """Stop the reminder `project_watch` set. Records no event, for the same reason."""
    return ProjectWatch.objects.filter(member=member, coop=coop, project=project).delete()[0]


@retry_transaction
@transaction.atomic
def watchers_notify(*, project_id: int, coop_wide: bool = False, now: datetime | None = None) -> int:
    """Tell the members who asked (and are eligible, or only need to consent) that work opened.

    Records no event: it only sends notices about a publication whose own event
    (`project.published`, `project.resumed`, `project.tasks_added`) is already recorded;
    `notified_at` keeps each watch to one notice."""
    now = now or clock.now()
    project = Project.objects.select_related("coop").get(pk=project_id)
    if project.status != Project.Status.OPEN:
        return 0
    watches = ProjectWatch.objects.select_related("member").filter(coop=project.coop, notified_at__isnull=True)
    watches = watches.filter(Q(project=project) | Q(project__isnull=True)) if coop_wide else watches.filter(
        project=project)
    sent = 0
    for watch in watches:
        reasons = eligibility_with(ctx=MemberContext(watch.member), project=project)
        if [r for r in reasons if r["code"] not in TRANSIENT_CODES]:
            continue
        notify(user=watch.member, kind="work_open",
               message=gettext_noop("Work is open: “%(p)s”."),
               params={"p": project.title}, link=f"/work/projects/{project.pk}/")
        if watch.project_id:
            watch.notified_at = now
            watch.save(update_fields=["notified_at"])
        sent += 1
    return sent
