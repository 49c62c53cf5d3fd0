"""Which qualifications a project requires (chosen by its requester)."""

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from coop.core.db import retry_transaction
from coop.core.errors import Conflict, DomainError
from coop.eventlog.services import event_record
from coop.federation.access import requester_staff_require
from tasks.locks import project_for_update
from tasks.models import Project
from tasks.qualifications.eligibility import requirements_forget
from tasks.qualifications.models import ProjectRequirement, Qualification
from tasks.qualifications.selectors import qualifications_available_for

MAX_REQUIRED = 10


@retry_transaction
@transaction.atomic
def project_requirements_set(*, actor: User, project: Project, qualifications: Iterable[Qualification | int]) -> list:
    """Replace the project's required qualifications. The requester's staff choose them; a
    cancelled project keeps what it had."""
    requirements_forget(project)  # the caller's instance reads the new choice
    project = project_for_update(project.pk)
    requester_staff_require(actor, organisation_id=project.organisation_id)
    if project.status == Project.Status.CANCELLED:
        raise Conflict("project_cancelled", _("This project is cancelled."))
    if project.status == Project.Status.REVIEW:  # issue 23: the stewards review the requirements as submitted
        raise Conflict("project_in_review", _("This project awaits the stewards' review: its qualifications "
                                              "stay as submitted."))
    wanted = {getattr(q, "pk", q) for q in qualifications}
    if len(wanted) > MAX_REQUIRED:
        raise DomainError("too_many_qualifications", _("A project requires at most %(n)d qualifications.")
                          % {"n": MAX_REQUIRED})
    allowed = set(qualifications_available_for(project).filter(pk__in=wanted).values_list("pk", flat=True))
    if wanted - allowed:
        raise DomainError("qualification_not_available",
                          _("A project may require only its coop's qualifications and its requester's own in that "
                            "coop."), {"qualifications": sorted(wanted - allowed)})
    current = set(ProjectRequirement.objects.filter(project=project).values_list("qualification_id", flat=True))
    ProjectRequirement.objects.filter(project=project, qualification_id__in=current - wanted).delete()
    ProjectRequirement.objects.bulk_create(
        [ProjectRequirement(project=project, qualification_id=pk, added_by=actor) for pk in sorted(wanted - current)])
    event_record(type="project.qualifications_set", coop=project.coop_id, actor=actor, subject=project,
                 payload={"project": project.pk, "qualifications": sorted(wanted)})
    return sorted(wanted)
