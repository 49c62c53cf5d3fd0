"""coop.core.batch.batch_run: each item in its own transaction; a failure is logged, counted,
rolled back alone, and the job goes on."""

import logging

import pytest

from accounts.models import User
from coop.core.batch import batch_run
from coop.core.errors import DomainError

pytestmark = pytest.mark.django_db


def test_batch_run_goes_on_after_a_failing_item_and_rolls_back_only_that_item(caplog):
    def step(n):
        User.objects.create_user(email=f"batch{n}@example.org", password="x" * 12)
        if n == 2:
            raise DomainError("not_due", "This item is no longer due.")
        return n != 3  # item 3 does nothing worth counting

    with caplog.at_level(logging.WARNING, logger="coop.core.batch"):
        batch = batch_run([1, 2, 3, 4], step, name="test.batch")

    assert (batch.done, batch.failed, batch.total) == (2, 1, 4)
    emails = set(User.objects.filter(email__startswith="batch").values_list("email", flat=True))
    assert emails == {"batch1@example.org", "batch3@example.org", "batch4@example.org"}  # item 2 rolled back
    assert "test.batch: item 2 failed" in caplog.text
    assert "test.batch: 1 of 4 items failed" in caplog.text


def test_a_job_step_that_fails_does_not_stop_the_job():
    from tasks import jobs

    seen = []

    def approve(*, assignment_id, now):
        seen.append(assignment_id)
        if assignment_id == 1:
            raise DomainError("invalid_state", "No longer submitted.")
        return True

    approve.__name__ = "assignment_auto_approve"
    assert jobs._each([1, 2, 3], approve, now=None) == 2
    assert seen == [1, 2, 3]
