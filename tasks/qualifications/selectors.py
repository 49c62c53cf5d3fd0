"""Reads shared by pages, API, jobs and the eligibility check."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from coop.core.errors import Conflict, DomainError, NotFound
from coop.federation.models import Coop, Membership
from tasks.models import Assignment, Project
from tasks.qualifications.eligibility import required_qualifications
from tasks.qualifications.errors import AttemptRefused, TestClosed
from tasks.qualifications.models import (
    Attempt,
    ProjectRequirement,
    Qualification,
    QualificationGrant,
    QualificationRevocation,
    QualificationTest,
)
from tasks.qualifications.records import record_for, records_for
from tasks.qualifications.rules import describe, explained_clauses, rule_evaluate, rule_explain, rule_keys
from tasks.selectors import open_slots_remaining


def qualification_get(*, pk: int) -> Qualification:
    found = (Qualification.objects.select_related("coop", "organisation", "current_version")
             .filter(pk=pk).first())
    if found is None:
        raise NotFound("no_qualification", _("No such qualification."))
    return found


def grant_active(*, member: User, qualification: Qualification) -> QualificationGrant | None:
    return QualificationGrant.objects.filter(qualification=qualification, member=member,
                                             revoked_at__isnull=True).first()


def grants_of(*, member: User) -> QuerySet[QualificationGrant]:
    return (QualificationGrant.objects.select_related("qualification", "version")
            .filter(member=member, revoked_at__isnull=True))


def revocations_of(*, member: User) -> QuerySet[QualificationRevocation]:
    """The member's revocations, newest first: each can be appealed (the appeals issue)."""
    return (QualificationRevocation.objects.select_related("qualification", "version")
            .filter(member=member).order_by("-created_at", "-pk"))


def revocation_get(*, pk: int) -> QualificationRevocation:
    found = QualificationRevocation.objects.select_related("qualification", "version", "grant").filter(pk=pk).first()
    if found is None:
        raise NotFound("no_revocation", _("No such revocation."))
    return found


def rule_words(qualification: Qualification) -> str:
    """The qualification's condition in plain words."""
    if qualification.kind == Qualification.Kind.COMPUTED:
        return describe(qualification.current_version.rule)
    if qualification.kind == Qualification.Kind.TEST:
        test = getattr(qualification, "test", None)
        if test is None:
            return _("pass its paid test")
        return _("pass its paid test with at least %(mark)d%% of the answers right") % {"mark": test.pass_mark}
    return _("granted by hand, with a written reason")


_UNREAD = object()


def explain_all(*, member: User, qualifications: Iterable[Qualification], now: datetime | None = None) -> list:
    """`explain` for many qualifications, reading the member's grants once and their record once
    (one query per distinct clause key of all the computed rules)."""
    qualifications = list(qualifications)
    grants = {g.qualification_id: g for g in QualificationGrant.objects.filter(
        member=member, revoked_at__isnull=True, qualification__in=qualifications)}
    keys = {k for q in qualifications if q.kind == Qualification.Kind.COMPUTED
            for k in rule_keys(q.current_version.rule)}
    record = records_for(member_ids=[member.pk], keys=keys, now=now)[member.pk] if keys else {}
    return [explain(member=member, qualification=q, record=record, grant=grants.get(q.pk)) for q in qualifications]


def explain(*, member: User, qualification: Qualification, record: dict | None = None, now: datetime | None = None,
            grant: QualificationGrant | None = _UNREAD) -> dict:
    """Where `member` stands for `qualification`, clause by clause.

    Returns {"passed", "held", "grant", "words", "clauses", "tree", "next_step"}: `passed` is
    whether the member meets it now (holding it counts for test and granted kinds), each
    clause has the member's value, the required value, pass/fail and what is missing."""
    if grant is _UNREAD:
        grant = grant_active(member=member, qualification=qualification)
    out = {"qualification": qualification, "held": grant is not None, "grant": grant,
           "words": rule_words(qualification), "clauses": [], "tree": None}
    if qualification.kind == Qualification.Kind.COMPUTED:
        rule = qualification.current_version.rule
        if record is None:
            record = record_for(member=member, rule=rule, now=now)
        tree = rule_explain(rule, record)
        out["tree"], out["clauses"], out["passed"] = tree, explained_clauses(tree), tree["passed"]
        if grant is not None and not tree["passed"]:
            out["next_step"] = _("You hold it for now; the next re-evaluation will withdraw it unless: %(m)s.") % {
                "m": "; ".join(c["missing"] for c in out["clauses"] if not c["passed"])}
        elif tree["passed"]:
            out["next_step"] = "" if grant else _("You meet the rule: the qualification is being granted.")
        else:
            out["next_step"] = _("Still needed: %(m)s.") % {
                "m": "; ".join(c["missing"] for c in out["clauses"] if not c["passed"])}
        return out
    out["passed"] = grant is not None
    if qualification.kind == Qualification.Kind.TEST:
        try:
            test = qualification.test
        except QualificationTest.DoesNotExist:
            test = None
        out["test"] = test
        if grant is not None:
            out["next_step"] = ""
        elif test is None:
            out["next_step"] = _("Its test is not published yet.")
        else:
            blocker = attempt_blocker(member=member, test=test)
            out["blocker"] = blocker
            out["next_step"] = str(blocker.message) if blocker else _("Take the paid test (%(m)d minutes, paid "
                                                                       "whether you pass or not).") % {
                "m": test.estimated_minutes}
        out["clauses"] = [{
            "kind": "clause", "key": "test", "label": _("paid test"), "text": out["words"],
            "value_text": _("passed") if grant else _("not passed yet"), "passed": grant is not None,
            "missing": "" if grant else _("pass the paid test"), "progress": 100 if grant else 0,
        }]
        return out
    out["next_step"] = "" if grant else _("A steward or the requester grants it by hand, with a written reason.")
    out["clauses"] = [{
        "kind": "clause", "key": "granted", "label": _("granted by hand"), "text": out["words"],
        "value_text": _("granted") if grant else _("not granted"), "passed": grant is not None,
        "missing": "" if grant else _("granted by hand"), "progress": 100 if grant else 0,
    }]
    return out


def qualifications_for_member(*, member: User, coop: Coop) -> QuerySet[Qualification]:
    """Every qualification of the coop a member should see: the coop's own, those of requesters
    they worked for, those they hold or held, and every requester test open to them."""
    worked_for = Assignment.objects.filter(member=member, project__coop=coop).values("project__organisation_id")
    held = QualificationGrant.objects.filter(member=member).values("qualification_id")
    return (Qualification.objects.select_related("organisation", "current_version", "test")
            .filter(coop=coop)
            .filter(Q(organisation__isnull=True) | Q(organisation_id__in=worked_for) | Q(pk__in=held)
                    | Q(kind=Qualification.Kind.TEST, test__isnull=False))
            .order_by(F("organisation_id").asc(nulls_first=True), "name", "pk"))


def qualifications_of_owner(*, coop: Coop | int, organisation: Organisation | None = None) -> QuerySet[Qualification]:
    qs = Qualification.objects.select_related("current_version", "test").filter(coop=coop)
    return qs.filter(organisation=organisation) if organisation else qs.filter(organisation__isnull=True)


def members_meeting(*, coop: Coop | int, qualifications: Iterable[Qualification],
                    now: datetime | None = None) -> set[int]:
    """User ids of the coop's active members who meet every one of `qualifications` now: they
    hold it, or (computed kind) their record meets its rule. One query per qualification plus
    one per clause key, whatever the number of members."""
    ids = set(Membership.objects.active().filter(coop=coop).values_list("user_id", flat=True))
    for qualification in qualifications:
        if not ids:
            break
        holders = set(QualificationGrant.objects.filter(qualification=qualification, revoked_at__isnull=True,
                                                        member_id__in=ids).values_list("member_id", flat=True))
        if qualification.kind == Qualification.Kind.COMPUTED:
            rule = qualification.current_version.rule
            others = ids - holders
            records = records_for(member_ids=others, keys=rule_keys(rule), now=now or timezone.now())
            holders |= {i for i in others if rule_evaluate(rule, records[i])}
        ids &= holders
    return ids


def tests_open(*, coop: Coop) -> QuerySet[QualificationTest]:
    return (QualificationTest.objects.select_related("qualification", "qualification__organisation")
            .filter(qualification__coop=coop))


def attempts_of(*, member: User, test: QualificationTest) -> QuerySet[Attempt]:
    return Attempt.objects.filter(member=member, test=test).order_by("-number")



def project_eligible_count(*, project: Project, qualifications: Iterable[Qualification] | None = None) -> int:
    """How many active members of the project's coop meet every required qualification (or
    every one of `qualifications`, to preview a choice before saving it)."""
    chosen = required_qualifications(project) if qualifications is None else list(
        Qualification.objects.select_related("current_version").filter(pk__in=[getattr(q, "pk", q)
                                                                               for q in qualifications]))
    return len(members_meeting(coop=project.coop_id, qualifications=chosen))


def project_requirements_context(*, project: Project, count: bool = True) -> dict:
    """For the marketplace's project and publish pages (`qualifications/_project_requirements.html`)."""
    required = required_qualifications(project)
    context = {"project": project, "required": [{"qualification": q, "words": rule_words(q)} for q in required],
               "count": count}
    if count:
        context["eligible_count"] = project_eligible_count(project=project)
        context["active_count"] = Membership.objects.active().filter(coop_id=project.coop_id).count()
    return context


def required_for(project: Project) -> list[Qualification]:
    return required_qualifications(project)


def test_escrow_obligations(*, ids: list[int]) -> dict:
    """Registered with the ledger for paid tests' escrows: what the fundings held (pay and fees
    of every funded attempt) less what the submitted attempts paid out (each its pay and its
    share of the fees); an expired attempt paid nothing, so its place stays owed."""
    tests = {t.pk: t for t in QualificationTest.objects.filter(pk__in=list(ids))}
    paid = dict(Attempt.objects.filter(test_id__in=list(tests), status=Attempt.Status.SUBMITTED)
                .values_list("test_id").annotate(n=Sum(F("reward") + F("fee_coop") + F("fee_federation")
                                                       + F("fee_juror"))))
    return {pk: t.funded_amount - (paid.get(pk) or 0) for pk, t in tests.items()}


def attempt_blocker(*, member: User, test: QualificationTest, now: datetime | None = None) -> DomainError | None:
    """Why `member` cannot start `test` now (a DomainError), or None. Read-only."""
    now = now or timezone.now()
    qualification = test.qualification
    if grant_active(member=member, qualification=qualification):
        return Conflict("already_qualified", _("You already hold this qualification."))
    attempts = list(Attempt.objects.filter(test=test, member=member).order_by("-number"))
    if any(a.status == Attempt.Status.STARTED for a in attempts):
        return None  # resuming is always possible
    if len(attempts) >= test.max_attempts:
        return AttemptRefused("no_attempts_left", _("You have used your %(n)d attempts at this test.")
                              % {"n": test.max_attempts})
    last_done = next((a.submitted_at for a in attempts if a.submitted_at), None)
    if last_done and test.retry_hours and last_done + timedelta(hours=test.retry_hours) > now:
        again = timezone.localtime(last_done + timedelta(hours=test.retry_hours))
        return AttemptRefused("retry_later", _("You can try again from %(when)s.")
                              % {"when": date_format(again, "DATETIME_FORMAT")}, {"retry_at": again.isoformat()})
    if test.attempts_left <= 0:
        return TestClosed("test_budget_spent", _("This test is closed for now: all %(n)d paid attempts funded so far "
                                                 "are taken. It reopens when its owner funds more.")
                          % {"n": test.attempts_funded})
    return None


def qualifications_available_for(project: Project) -> QuerySet[Qualification]:
    """What a project may require: its coop's own qualifications and its requester's in that coop
    (read by the requirements page and checked by `project_requirements_set`)."""
    return (Qualification.objects.filter(coop_id=project.coop_id)
            .filter(Q(organisation__isnull=True) | Q(organisation_id=project.organisation_id))
            .order_by(F("organisation_id").asc(nulls_first=True), "name", "pk"))


# --- the work behind each qualification (issue 23 part 4) ------------------------------------

def open_work_counts(*, qualification_ids: Iterable[int]) -> dict[int, dict]:
    """{qualification id: {"projects", "slots"}}: open projects that need it and their open slots."""
    rows = (ProjectRequirement.objects.filter(qualification_id__in=list(qualification_ids),
                                              project__status=Project.Status.OPEN)
            .annotate(open_slots=open_slots_remaining("project_id")).filter(open_slots__gt=0)
            .values_list("qualification_id", "project_id", "open_slots"))
    counts = {}
    for qualification_id, _project, slots in rows:  # one row per requirement: a project once per qualification
        row = counts.setdefault(qualification_id, {"projects": 0, "slots": 0})
        row["projects"] += 1
        row["slots"] += slots
    return counts


def work_by_qualification(*, member: User, qualification_ids: Iterable[int], now: datetime | None = None,
                          days: int = 30) -> dict[int, dict]:
    """For "My qualifications": per qualification, the open work that needs it now, the projects
    that needed it in the last `days` days, and the member's own tasks on them in that time."""
    now = now or timezone.now()
    ids = list(qualification_ids)
    since = now - timedelta(days=days)
    opened = open_work_counts(qualification_ids=ids)
    recent = dict(ProjectRequirement.objects.filter(qualification_id__in=ids, project__published_at__gte=since)
                  .values("qualification_id").annotate(n=Count("project", distinct=True))
                  .values_list("qualification_id", "n"))
    mine = dict(ProjectRequirement.objects.filter(qualification_id__in=ids, project__assignments__member=member,
                                                  project__assignments__claimed_at__gte=since)
                .values("qualification_id").annotate(n=Count("project__assignments", distinct=True))
                .values_list("qualification_id", "n"))
    return {pk: {"open_projects": opened.get(pk, {}).get("projects", 0),
                 "open_slots": opened.get(pk, {}).get("slots", 0),
                 "recent_projects": recent.get(pk, 0), "my_tasks": mine.get(pk, 0), "days": days} for pk in ids}


def tests_in_sandboxes(ids: Iterable[int]) -> QuerySet[QualificationTest, int]:
    """Of these paid tests, those of a sandbox coop (their escrow is test money; docs/sandbox.md)."""
    return QualificationTest.objects.filter(pk__in=ids, qualification__coop__sandbox_of__isnull=False).values_list(
        "pk", flat=True)
