"""Where qualification rows are locked (parents before children, pk order). Grants,
revocations and claims of one member are serialised on the member's membership row, taken
first with `coop.federation.locks.membership_for_update` (the marketplace's claim locks the
same row, DESIGN.md seam 4)."""

from tasks.qualifications.models import (
    Attempt,
    Qualification,
    QualificationRevocation,
    QualificationTest,
    QualificationWorkWatch,
)


def qualification_for_update(pk: int):
    return Qualification.objects.select_for_update().get(pk=pk)


def test_for_update(pk: int):
    return QualificationTest.objects.select_for_update(of=("self",)).select_related("qualification").get(pk=pk)


def attempt_for_update(pk: int):
    return Attempt.objects.select_for_update().get(pk=pk)


def revocation_for_update(pk: int, *, related: tuple[str, ...] = (),
                          must_exist: bool = False) -> QualificationRevocation | None:
    """A revocation (the relations in `related` read with it, not locked), or None (or
    DoesNotExist with `must_exist`)."""
    revocation = QualificationRevocation.objects.select_for_update(of=("self",)).select_related(*related).filter(
        pk=pk).first()
    if revocation is None and must_exist:
        raise QualificationRevocation.DoesNotExist()
    return revocation


def work_watch_for_update(qualification_id: int) -> QualificationWorkWatch:
    """The qualification's work watch, created on first use, locked: two runs of the job tell the
    holders once."""
    QualificationWorkWatch.objects.get_or_create(qualification_id=qualification_id)
    return QualificationWorkWatch.objects.select_for_update().get(qualification_id=qualification_id)
