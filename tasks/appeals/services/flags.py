"""Members flag projects (issue 9); at `flag_threshold` open flags the project pauses for
the stewards, who resolve the flags and resume it or not."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext_lazy

from accounts.models import User
from accounts.services import notices_resolve, notify
from coop.core.db import retry_transaction
from coop.core.errors import DomainError, NotFound
from coop.eventlog.services import event_record
from coop.federation.selectors import membership_active, rulebook_in_force
from tasks.appeals.models import ProjectFlag
from tasks.appeals.selectors import organisation_staff_users
from tasks.appeals.services.brake import _steward_check
from tasks.appeals.services.common import _stewards
from tasks.locks import project_for_update
from tasks.models import Project


@retry_transaction
@transaction.atomic
def project_flag(*, member: User, project: Project | int, kind: str, comment: str = "") -> ProjectFlag:
    """A member flags a project; at `flag_threshold` open flags it pauses for the stewards."""
    if kind not in ProjectFlag.Kind.values:
        raise DomainError("invalid_flag", _("Choose why you flag this project."), {"choices": ProjectFlag.Kind.values})
    comment = (comment or "").strip()[:1000]
    if "\x00" in comment:
        raise DomainError("invalid_comment", _("The comment contains invalid characters."))
    project = project_for_update(getattr(project, "pk", project))
    if project.status == Project.Status.DRAFT or membership_active(user=member, coop=project.coop) is None:
        raise NotFound()
    if ProjectFlag.objects.filter(project=project, member=member).exists():
        raise DomainError("already_flagged", _("You have already flagged this project."))
    flag = ProjectFlag.objects.create(project=project, member=member, kind=kind, comment=comment)
    event_record(type="project.flagged", coop=project.coop_id, actor=member, subject=project,
                 payload={"project": project.pk, "kind": kind})
    threshold = rulebook_in_force(coop=project.coop)["flag_threshold"]
    open_flags = ProjectFlag.objects.filter(project=project, resolved_at__isnull=True).count()
    if open_flags >= threshold and project.status == Project.Status.OPEN:
        project.status = Project.Status.PAUSED
        project.save(update_fields=["status"])
        event_record(type="project.paused_by_flags", coop=project.coop_id, subject=project,
                     payload={"project": project.pk, "organisation": project.organisation_id, "flags": open_flags})
        for user in _stewards(project.coop_id):
            notify(user=user, kind="flags", link="/appeals/steward/", subject=f"flags:{project.pk}",
                   message=ngettext_lazy("“%(p)s” was flagged %(n)s time by members and is paused for your review.",
                                         "“%(p)s” was flagged %(n)s times by members and is paused for your review.",
                                         "n"),
                   params={"p": project.title, "n": open_flags})
        for user in organisation_staff_users(project.organisation_id):
            notify(user=user, kind="flags", link=f"/requester/projects/{project.pk}/",
                   message=gettext_noop("Members flagged “%(p)s”; it is paused until the coop's stewards review it."),
                   params={"p": project.title})
    return flag


@retry_transaction
@transaction.atomic
def flags_resolve(*, steward: User, project: Project | int, resume: bool) -> int:
    """A steward reviews the flags: they are resolved, and the project resumes or stays paused."""
    project = project_for_update(getattr(project, "pk", project))
    _steward_check(steward, project.coop_id)
    now = timezone.now()
    count = ProjectFlag.objects.filter(project=project, resolved_at__isnull=True).update(resolved_at=now)
    if resume and project.status == Project.Status.PAUSED:
        project.status = Project.Status.OPEN
        project.save(update_fields=["status"])
    event_record(type="project.flags_resolved", coop=project.coop_id, actor=steward, subject=project,
                 payload={"project": project.pk, "organisation": project.organisation_id, "flags": count,
                          "resumed": int(bool(resume))})
    notices_resolve(subject=f"flags:{project.pk}")
    return count
