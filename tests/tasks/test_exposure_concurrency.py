"""Disturbing content on PostgreSQL (issue 23 part 2): one member's claims racing at the edge of
the voted daily limit never take them past it. The claim counts the member's disturbing work
after taking their membership lock, so racing claims queue and the later one sees the earlier."""

import pytest
from django.utils import timezone

from tasks.models import Assignment
from tasks.services import assignment_claim, data_consent_give
from tests.factories import CoopFactory, member, open_project
from tests.tasks.test_concurrency import deadlocks, deadlocks_since, race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_racing_claims_never_push_a_member_past_the_daily_limit():
    coop = CoopFactory(params={"disturbing_tasks_per_day": 3, "max_open_assignments": 20,
                               "disturbing_minutes_in_a_row": 240})
    projects = [open_project(coop, tasks=4, data_flags=["violent_or_graphic"]) for _ in range(3)]
    worker = member(coop).user
    for project in projects:
        data_consent_give(member=worker, project=project)
    before = deadlocks()
    now = timezone.now()

    results, refused, errors = race(*[lambda p=p: assignment_claim(member=worker, project=p, now=now)
                                      for p in projects for _ in range(3)])

    assert errors == []
    assert len(results) == 3 and len(refused) == 6
    assert set(refused) <= {"not_eligible", "already_claimed"}
    assert Assignment.objects.filter(member=worker).count() == 3
    assert deadlocks_since(before) == 0
