"""The qualifications' part of `tasks.eligibility.project_eligibility` (registered in apps.py).

A member meets a project's required qualification when they hold it (an active grant), or,
for a computed one, when their record meets its rule right now (the grant follows with the
next re-evaluation). A grant is kept until a revocation withdraws it, with its reason.
Each reason says what is missing, from `explain`."""

from django.utils.translation import gettext as _

from tasks.qualifications.models import ProjectRequirement, Qualification, QualificationGrant

CACHE_ATTR = "_required_qualifications"


def required_qualifications(project):
    """The project's required qualifications (cached on the project instance: the marketplace
    checks one project against every member when it computes a fair share)."""
    cached = project.__dict__.get(CACHE_ATTR)
    if cached is None:
        cached = list(Qualification.objects.select_related("current_version").filter(
            requirements__project_id=project.pk).order_by("name", "pk"))
        project.__dict__[CACHE_ATTR] = cached
    return cached


def requirements_forget(project):
    project.__dict__.pop(CACHE_ATTR, None)


def qualification_reasons(*, member, project):
    """Reasons `member` may not work on `project` because of its required qualifications."""
    from tasks.qualifications.selectors import explain

    required = required_qualifications(project)
    if not required:
        return []
    held = set(QualificationGrant.objects.filter(member=member, revoked_at__isnull=True,
                                                 qualification__in=required).values_list("qualification_id", flat=True))
    reasons = []
    for qualification in required:
        if qualification.pk in held:
            continue
        row = explain(member=member, qualification=qualification)
        if row["passed"]:
            continue
        missing = "; ".join(c["missing"] for c in row["clauses"] if not c["passed"] and c["missing"])
        reasons.append({
            "code": "qualification_required", "qualification": qualification.pk,
            "message": _("Needs the qualification “%(name)s”: %(missing)s.") % {
                "name": qualification.name, "missing": missing or row["words"]},
        })
    return reasons


def project_requirement_ids(project_ids):
    """{project id: [qualification ids]} for many projects in one query."""
    out = {}
    for project_id, qualification_id in ProjectRequirement.objects.filter(project_id__in=list(project_ids)) \
            .values_list("project_id", "qualification_id"):
        out.setdefault(project_id, []).append(qualification_id)
    return out
