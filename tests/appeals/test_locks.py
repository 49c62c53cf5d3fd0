"""Where appeals lock rows (tasks/appeals/locks.py): each lock returns the row asked for, with
what the caller reads next; a missing row is None or DoesNotExist, as each lock says."""

import pytest
from django.db import transaction

from tasks.appeals import locks
from tasks.appeals.models import Appeal, JurySeat, ProjectBrake, RequesterReview

pytestmark = pytest.mark.django_db


def test_appeal_locks(drawn):
    appeal = drawn["appeal"]
    with transaction.atomic():
        assert locks.appeal_for_update(appeal.pk) == appeal
        assert locks.appeal_for_update(appeal.pk + 1000) is None
        locked = locks.appeal_with_coop_for_update(appeal.pk)
        assert locked == appeal and locked.coop == drawn["coop"]
    with pytest.raises(Appeal.DoesNotExist), transaction.atomic():
        locks.appeal_with_coop_for_update(appeal.pk + 1000)


def test_seat_locks(drawn):
    appeal, juror = drawn["appeal"], drawn["jurors"][0]
    seat = JurySeat.objects.get(appeal=appeal, juror=juror)
    with transaction.atomic():
        assert locks.seat_for_update(appeal=appeal, juror_id=juror.pk) == seat
        assert locks.seat_for_update(appeal=appeal, juror_id=drawn["worker"].pk) is None
        to_pay = locks.seat_to_pay_for_update(seat.pk)
        assert (to_pay.appeal.coop, to_pay.juror) == (drawn["coop"], juror)
    with pytest.raises(JurySeat.DoesNotExist), transaction.atomic():
        locks.seat_to_pay_for_update(seat.pk + 1000)


def test_brake_and_review_locks(case):
    project = case["project"]
    with transaction.atomic():
        assert locks.brake_for_update(project.pk) is None
        assert locks.review_for_update(1) is None
    brake = ProjectBrake.objects.create(project=project, reason="batch_pct")
    review = RequesterReview.objects.create(project=project, organisation=project.organisation,
                                            member=case["worker"], rating=4, text="Clear instructions.")
    with transaction.atomic():
        assert locks.brake_for_update(project.pk) == brake
        assert locks.review_for_update(review.pk).project == project
