"""The qualifications' part of `tasks.eligibility.project_eligibility` (registered in apps.py).

A member meets a project's required qualification when they hold it (an active grant), or,
for a computed one, when their record meets its rule right now (the grant follows with the
next re-evaluation). A grant is kept until a revocation withdraws it, with its reason.
Each reason says what is missing, from `explain`.

Cost: a feed's page reads its projects' requirements in one query first (`prime_requirements`,
through `tasks.eligibility.eligibility_of_page`). Otherwise, with the marketplace's MemberContext
(`ctx.cache`, one per feed or claim) the member's grants are read once; from the second project
checked in the same context, the requirements of every open project of the coop are read at once; a
computed qualification the member does not hold is evaluated once per context. So a feed of N
projects costs a handful of queries whatever N, and a claim one or two."""

from django.db import connection
from django.utils.translation import gettext as _

from coop.core.db import execute_one
from tasks.models import Project
from tasks.qualifications.models import ProjectRequirement, Qualification, QualificationGrant

CACHE_ATTR = "_required_qualifications"
HAS_REQUIREMENTS_SQL = "SELECT 1 FROM qualifications_projectrequirement WHERE project_id = %s LIMIT 1"
CTX_KEY = "qualifications"


def required_qualifications(project):
    """The project's required qualifications (cached on the project instance: the marketplace
    checks one project against every member when it computes a fair share)."""
    cached = project.__dict__.get(CACHE_ATTR)
    if cached is None:
        # most projects require nothing: one prepared statement says so (a claim asks every
        # time, issue 18); the qualifications are read through the ORM only when there are some
        if execute_one(HAS_REQUIREMENTS_SQL, [project.pk]) is None:
            cached = []
        else:
            cached = list(Qualification.objects.select_related("current_version").filter(
                requirements__project_id=project.pk).order_by("name", "pk"))
        project.__dict__[CACHE_ATTR] = cached
    return cached


def requirements_forget(project):
    project.__dict__.pop(CACHE_ATTR, None)


class _Memo:
    """What one eligibility context reads once."""

    def __init__(self, member):
        self.member = member
        self.held = None
        self.projects_seen = set()
        self.coop_requirements = None  # {project id: [Qualification]} for the coop's open projects
        self.reasons = {}  # qualification id -> reason or None

    def held_ids(self):
        if self.held is None:
            # the ORM's filter(member=..., revoked_at__isnull=True) in a hand-written statement: asked
            # at every claim and for every member counted at publish (issue 21)
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT qualification_id FROM {QualificationGrant._meta.db_table} "
                               "WHERE member_id = %s AND revoked_at IS NULL", [getattr(self.member, "pk", self.member)])
                self.held = {row[0] for row in cursor.fetchall()}
        return self.held

    def requirements(self, project):
        if project.__dict__.get(CACHE_ATTR) is not None:
            return project.__dict__[CACHE_ATTR]
        self.projects_seen.add(project.pk)
        if self.coop_requirements is None and len(self.projects_seen) > 1:
            self.coop_requirements = _open_requirements(project.coop_id)
        if self.coop_requirements is not None and project.pk in self.coop_requirements:
            return self.coop_requirements[project.pk]
        return required_qualifications(project)


def _open_requirements(coop_id):
    """{project id: [Qualification]} for every open project of the coop (empty lists included)."""
    out = {pk: [] for pk in Project.objects.filter(coop_id=coop_id, status=Project.Status.OPEN)
           .values_list("pk", flat=True)}
    rows = (ProjectRequirement.objects.filter(project_id__in=list(out))
            .select_related("qualification__current_version").order_by("qualification__name", "qualification_id"))
    for row in rows:
        out[row.project_id].append(row.qualification)
    return out


def _reason(member, qualification):
    # imported here: tasks.qualifications.selectors imports this module (required_qualifications)
    from tasks.qualifications.selectors import explain

    if qualification.kind == Qualification.Kind.TEST:
        return _message(qualification, _("pass the paid test"))
    if qualification.kind == Qualification.Kind.GRANTED:
        return _message(qualification, _("granted by hand"))
    row = explain(member=member, qualification=qualification)
    if row["passed"]:
        return None
    missing = "; ".join(c["missing"] for c in row["clauses"] if not c["passed"] and c["missing"])
    out = _message(qualification, missing or row["words"])
    if any(c["metric"] == "country" and not c["passed"] for c in row["clauses"]):
        out["country"] = True  # issue 23: the feed hides such a project and counts it (tasks.eligibility)
    return out


def _message(qualification, missing):
    return {"code": "qualification_required", "qualification": qualification.pk,
            "message": _("Needs the qualification “%(name)s”: %(missing)s.") % {
                "name": qualification.name, "missing": missing}}


def qualification_reasons(*, member, project, ctx=None):
    """Reasons `member` may not work on `project` because of its required qualifications."""
    memo = ctx.cache.setdefault(CTX_KEY, _Memo(member)) if ctx is not None else _Memo(member)
    required = memo.requirements(project)
    if not required:
        return []
    reasons = []
    held = memo.held_ids()
    for qualification in required:
        if qualification.pk in held:
            continue
        if qualification.pk not in memo.reasons:
            memo.reasons[qualification.pk] = _reason(member, qualification)
        if memo.reasons[qualification.pk] is not None:
            reasons.append(memo.reasons[qualification.pk])
    return reasons


def prime_requirements(*, ctx, projects):
    """The required qualifications of a page of projects in one query, kept on each project (as
    `required_qualifications` keeps them): the feed's page asks this before checking its projects."""
    todo = {project.pk: project for project in projects if project.__dict__.get(CACHE_ATTR) is None}
    if not todo:
        return
    found = {pk: [] for pk in todo}
    # which of them require anything, in plain SQL (most require nothing: the ORM's join to the
    # qualifications and their versions cost more CPU than the page's other checks together)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT project_id FROM qualifications_projectrequirement WHERE project_id IN "
                       f"({', '.join(['%s'] * len(todo))})", list(todo))
        requiring = [row[0] for row in cursor.fetchall()]
    if requiring:
        rows = (ProjectRequirement.objects.filter(project_id__in=requiring)
                .select_related("qualification__current_version").order_by("qualification__name", "qualification_id"))
        for row in rows:
            found[row.project_id].append(row.qualification)
    for pk, project in todo.items():
        project.__dict__[CACHE_ATTR] = found[pk]


qualification_reasons.wants_context = True
qualification_reasons.prime = prime_requirements
qualification_reasons.applies = lambda project: bool(required_qualifications(project))
# the claim's database function (tasks migration 0011) sends to Python any claim of a member who
# lacks a required qualification's active grant: the only case where this check has a reason
qualification_reasons.in_database = lambda project: True

