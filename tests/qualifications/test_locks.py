"""Where qualification rows are locked (tasks/qualifications/locks.py): each lock returns its row
(with what the caller reads next), a missing row raises or is None as the lock says, and the
work watch is made on first use."""

import pytest
from django.db import transaction

from tasks.qualifications import locks
from tasks.qualifications.models import (
    Attempt,
    Qualification,
    QualificationRevocation,
    QualificationTest,
    QualificationWorkWatch,
)
from tasks.qualifications.services import attempt_start
from tests.factories import CoopFactory, granted_qualification, member, paid_test

pytestmark = pytest.mark.django_db


def test_qualification_test_and_attempt_locks():
    coop = CoopFactory()
    test = paid_test(coop, attempts=1)
    attempt = attempt_start(member=member(coop).user, test=test)
    with transaction.atomic():
        assert locks.qualification_for_update(test.qualification_id) == test.qualification
        locked = locks.test_for_update(test.pk)
        assert locked == test and locked.qualification.name == "Malagasy transcriber"
        assert locks.attempt_for_update(attempt.pk) == attempt
    for lock, error in ((locks.qualification_for_update, Qualification.DoesNotExist),
                        (locks.test_for_update, QualificationTest.DoesNotExist),
                        (locks.attempt_for_update, Attempt.DoesNotExist)):
        with pytest.raises(error), transaction.atomic():
            lock(10_000)


def test_revocation_for_update_is_none_or_raises_when_asked():
    with transaction.atomic():
        assert locks.revocation_for_update(1) is None
    with pytest.raises(QualificationRevocation.DoesNotExist), transaction.atomic():
        locks.revocation_for_update(1, must_exist=True)


def test_work_watch_for_update_makes_the_watch_once():
    qualification = granted_qualification(CoopFactory())
    with transaction.atomic():
        first = locks.work_watch_for_update(qualification.pk)
        again = locks.work_watch_for_update(qualification.pk)
    assert first.pk == again.pk and first.dry_notified_at is None
    assert QualificationWorkWatch.objects.filter(qualification=qualification).count() == 1
