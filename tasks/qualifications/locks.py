"""The only place qualification rows are locked (parents before children, pk order)."""

from coop.federation.models import Membership
from tasks.qualifications.models import Attempt, Qualification, QualificationTest


def membership_for_update(*, user_id, coop_id):
    """The member's active membership row, locked: grants, revocations and claims of one member
    are serialised on it (the marketplace's claim locks the same row, DESIGN.md seam 4)."""
    return (Membership.objects.select_for_update()
            .filter(user_id=user_id, coop_id=coop_id, status=Membership.Status.ACTIVE).order_by("pk").first())


def qualification_for_update(pk):
    return Qualification.objects.select_for_update().get(pk=pk)


def test_for_update(pk):
    return QualificationTest.objects.select_for_update(of=("self",)).select_related("qualification").get(pk=pk)


def attempt_for_update(pk):
    return Attempt.objects.select_for_update().get(pk=pk)
