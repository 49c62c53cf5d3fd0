"""Where appeals lock rows. An appeal comes before its jury seats; a seat is locked by its
appeal's holder. Locks named `..._for_update` return the row (None when it is gone, unless
they `get`, which raises DoesNotExist as the caller expects)."""

from tasks.appeals.models import Appeal, JurySeat, ProjectBrake, RequesterReview


def appeal_for_update(pk: int) -> Appeal | None:
    return Appeal.objects.select_for_update().filter(pk=pk).first()


def appeal_with_coop_for_update(pk: int) -> Appeal:
    return Appeal.objects.select_for_update(of=("self",)).select_related("coop").get(pk=pk)


def seat_for_update(*, appeal: Appeal, juror_id: int) -> JurySeat | None:
    """The juror's seat on `appeal` (whose row the caller holds)."""
    return JurySeat.objects.select_for_update().filter(appeal=appeal, juror_id=juror_id).first()


def seat_to_pay_for_update(pk: int) -> JurySeat:
    return JurySeat.objects.select_for_update(of=("self",)).select_related("appeal__coop", "juror").get(pk=pk)


def brake_for_update(project_id: int) -> ProjectBrake | None:
    return ProjectBrake.objects.select_for_update(of=("self",)).select_related("project").filter(
        project_id=project_id).first()


def review_for_update(pk: int) -> RequesterReview | None:
    return RequesterReview.objects.select_for_update(of=("self",)).select_related("project").filter(pk=pk).first()
