"""The appeals' scheduled jobs (tasks/appeals/jobs.py): juries drawn once the appeal is sealed
in a checkpoint, silent jurors replaced from the draw order, and scorecards refreshed for every
requester."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tasks.appeals import jobs
from tasks.appeals.models import Appeal, JurySeat, Scorecard
from tasks.appeals.services import appeal_file
from tests.appeals.conftest import STATEMENT, seal
from tests.factories import open_project

pytestmark = pytest.mark.django_db


def test_appeals_due_draws_a_sealed_appeal_once(case):
    appeal = appeal_file(member=case["worker"], assignment=case["rejected"], statement=STATEMENT)
    seal()
    assert jobs.appeals_due() == {"drawn": 1, "replaced": 0, "paid": 0}
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.JURY and appeal.seats.count() == appeal.jury_size
    assert jobs.appeals_due() == {"drawn": 0, "replaced": 0, "paid": 0}


def test_appeals_due_replaces_jurors_who_did_not_answer(drawn):
    appeal = drawn["appeal"]
    later = timezone.now() + timedelta(hours=appeal.response_hours, minutes=1)
    assert jobs.appeals_due(now=later)["replaced"] == 3
    seats = JurySeat.objects.filter(appeal=appeal)
    assert seats.filter(status=JurySeat.Status.LAPSED).count() == 3
    assert seats.filter(status=JurySeat.Status.INVITED).count() == 3
    invited = set(seats.filter(status=JurySeat.Status.INVITED).values_list("juror_id", flat=True))
    assert invited == set(appeal.draw_order[3:6])  # the next ones in the published order


def test_appeal_draw_job_seals_and_draws(case):
    appeal = appeal_file(member=case["worker"], assignment=case["rejected"], statement=STATEMENT)
    seal()
    assert jobs.appeal_draw_job(appeal.pk) is True
    assert jobs.appeal_draw_job(appeal.pk) is False  # drawn already


def test_scorecards_all_refreshes_every_requester():
    first, second = open_project(), open_project()
    assert jobs.scorecards_all() == 2
    assert set(Scorecard.objects.values_list("organisation_id", flat=True)) == {first.organisation_id,
                                                                                 second.organisation_id}
    card = jobs.scorecard_job(first.organisation_id)
    assert card.figures["reviewed"] == 0 and Scorecard.objects.count() == 2
