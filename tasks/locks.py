"""The only place the marketplace locks rows (parents before children, pk order)."""

from coop.federation.models import Membership
from tasks.errors import NotEligible
from tasks.models import Assignment, Project


def membership_for_update(*, user, coop_id):
    """Lock the claimant's active membership row: claims by one member queue here, so a
    double tap cannot beat the open-assignment cap."""
    membership = (Membership.objects.select_for_update()
                  .filter(user=user, coop_id=coop_id, status=Membership.Status.ACTIVE).first())
    if membership is None:
        raise NotEligible("not_a_member", None, {"reasons": [{"code": "not_a_member"}]})
    return membership


def project_for_update(pk):
    return Project.objects.select_for_update().select_related("coop", "organisation").get(pk=pk)


def assignment_for_update(pk):
    """Lock one assignment (its project is read, not locked)."""
    return (Assignment.objects.select_for_update(of=("self",))
            .select_related("project", "project__coop", "project__organisation", "member", "slot", "task")
            .get(pk=pk))


def assignments_for_update(ids):
    return list(Assignment.objects.select_for_update(of=("self",)).filter(pk__in=list(ids))
                .select_related("project", "member").order_by("pk"))
