"""Review assistance: approve every submitted assignment of a project whose answers agree with
the latest aggregate at least X, through the marketplace's one approve path
(`tasks.services.assignments_approve`: escrow released once per assignment, an event each).

Two steps: the page shows how many it will approve (`selectors.approvable_by_agreement`), the requester
confirms with those ids; only the ones still submitted are approved, so sending the same
confirmation twice approves nothing twice (what was approved is skipped; nothing left, 0).
No event of its own: each approval records `assignment.approved`."""

from collections.abc import Iterable

from accounts.models import User
from tasks.errors import InvalidState
from tasks.models import Assignment, Project
from tasks.services import assignments_approve

MAX_TRIES = 3


def approve_by_agreement(*, actor: User, project: Project, ids: Iterable[int | str]) -> int:
    """Approve those of `ids` (shown to the requester) that are still submitted work of the
    project. Returns how many were approved now."""
    wanted = sorted({int(i) for i in ids})
    for _try in range(MAX_TRIES):
        still = list(Assignment.objects.filter(pk__in=wanted, project=project, status=Assignment.Status.SUBMITTED)
                     .values_list("pk", flat=True))
        if not still:
            return 0
        try:
            return len(assignments_approve(actor=actor, project=project, ids=still))
        except InvalidState as exc:
            if exc.code != "not_submitted":
                raise
            # another reviewer approved or rejected one meanwhile: read again and approve the rest
    return 0
