from datetime import timedelta

import pytest
from django.utils import timezone

from tasks.appeals.models import Appeal, Scorecard
from tasks.appeals.scorecards import scorecard_compute, scorecard_refresh
from tasks.appeals.selectors import scorecard_for
from tasks.models import Assignment
from tests.factories import CoopFactory, member, open_project

pytestmark = pytest.mark.django_db

T0 = timezone.now() - timedelta(days=3)


def make(project, slot, who, status, seconds, paid_after_hours=None):
    return Assignment.objects.create(
        slot=slot, task=slot.task, project=project, member=who, status=status, deadline_at=T0,
        claimed_at=T0 - timedelta(seconds=seconds), submitted_at=T0, time_spent_seconds=seconds,
        reviewed_at=T0 + timedelta(hours=paid_after_hours) if paid_after_hours is not None else T0,
    )


def appeal(assignment, status, decided_after_hours):
    return Appeal.objects.create(
        kind="rejection", coop=assignment.project.coop, appellant=assignment.member, assignment=assignment,
        organisation=assignment.project.organisation, statement="x" * 20, status=status, rulebook_version=1,
        jury_size=3, response_hours=24, juror_pay=200, event_id=0,
        decided_at=T0 + timedelta(hours=decided_after_hours))


def test_scorecard_figures_match_hand_computed_values():
    coop = CoopFactory()
    a = open_project(coop, tasks=4, reward=600, estimated_minutes=10)
    org = a.organisation
    b = open_project(coop, tasks=2, reward=100, estimated_minutes=1, organisation=org)
    people = [member(coop).user for _ in range(6)]
    sa, sb = list(a.slots.order_by("pk")), list(b.slots.order_by("pk"))
    make(a, sa[0], people[0], "approved", 600, paid_after_hours=2)    # 3600/h
    make(a, sa[1], people[1], "approved", 1200, paid_after_hours=4)   # 1800/h
    make(a, sa[2], people[2], "rejection_final", 300)
    a4 = make(a, sa[3], people[3], "overturned", 900)                 # 2400/h, paid when the jury decided
    appeal(a4, "overturned", 10)
    make(b, sb[0], people[4], "approved", 120, paid_after_hours=1)    # 3000/h
    b2 = make(b, sb[1], people[5], "upheld", 60)
    appeal(b2, "upheld", 5)
    # noise: another requester's work does not count
    other = open_project(coop, tasks=1)
    make(other, other.slots.first(), member(coop).user, "approved", 60, paid_after_hours=1)

    figures = scorecard_compute(organisation_id=org.pk)
    assert figures["hourly_pay"] == 1900 * 3600 // 2820 == 2425
    assert (figures["hourly_pay_p25"], figures["hourly_pay_median"], figures["hourly_pay_p75"]) == (1800, 2400, 3000)
    assert (figures["reviewed"], figures["rejected"], figures["rejection_rate_pct"]) == (6, 3, 50)
    assert (figures["appeals_decided"], figures["appeals_lost"], figures["appeals_lost_pct"]) == (2, 1, 50)
    assert figures["time_to_pay_hours_median"] == 2  # [1, 2, 4, 10]
    assert (figures["projects_measured"], figures["projects_estimate_below_reality"]) == (2, 2)
    assert figures["estimate_below_reality_pct"] == 100
    assert (figures["tasks_paid"], figures["members_paid"]) == (4, 4)
    card = scorecard_refresh(organisation_id=org.pk)
    assert card.figures == figures


def test_scorecard_of_a_requester_without_work_is_empty_not_an_error():
    project = open_project()
    figures = scorecard_compute(organisation_id=project.organisation_id)
    assert figures["hourly_pay"] is None and figures["reviewed"] == 0 and figures["rejection_rate_pct"] is None


def test_reading_a_scorecard_never_writes_it():
    """`scorecard_for` (pages, the API) computes the figures of an organisation the job has not
    refreshed yet without storing them; only `scorecard_refresh` (the job) stores a card."""
    project = open_project()
    organisation = project.organisation
    card = scorecard_for(organisation=organisation)
    assert card.pk is None and card.figures["reviewed"] == 0
    assert not Scorecard.objects.exists()
    stored = scorecard_refresh(organisation_id=organisation.pk)
    assert scorecard_for(organisation=organisation).pk == stored.pk
