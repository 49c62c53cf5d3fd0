from datetime import timedelta

import pytest
from django.utils import timezone

from coop.eventlog.models import Event
from coop.federation.models import RulebookVersion
from coop.governance import services
from coop.governance.jobs import SCHEDULE_FUNC, proposals_advance
from coop.governance.models import Proposal
from tests.factories import CoopFactory, proposal_in_discussion, voter

pytestmark = pytest.mark.django_db

FLOOR_UP = [{"kind": "parameter", "name": "floor_hourly_rate", "value": 1500}]


def test_proposals_advance_opens_voting_when_the_discussion_ends():
    coop = CoopFactory()
    a = voter(coop)
    now = timezone.now()
    proposal = proposal_in_discussion(author=a.user, changes=FLOOR_UP, now=now)
    early = proposal_in_discussion(author=a.user, changes=FLOOR_UP, title="Later one", now=now + timedelta(days=1))
    now += timedelta(days=3)
    assert proposals_advance(now=now) == {"opened": 1, "reminded": 0, "closed": 0}
    proposal.refresh_from_db()
    early.refresh_from_db()
    assert proposal.status == "voting" and proposal.voting_opened_at == now and early.status == "discussion"


def test_close_job_run_twice_closes_once():
    coop = CoopFactory()
    members = [voter(coop) for _ in range(2)]
    now = timezone.now()
    proposal = proposal_in_discussion(author=members[0].user, changes=FLOOR_UP, now=now)
    now += timedelta(days=3)
    proposals_advance(now=now)
    for m in members:
        services.ballot_cast(user=m.user, proposal=proposal, choice="yes", now=now)
    after = now + timedelta(days=7)
    assert proposals_advance(now=after)["closed"] == 1
    assert proposals_advance(now=after + timedelta(minutes=1))["closed"] == 0
    services.proposal_close(proposal=proposal, now=after)  # the service itself is idempotent too
    assert Event.objects.filter(type="proposal.closed", subject_id=str(proposal.pk)).count() == 1
    assert RulebookVersion.objects.filter(coop=coop).count() == 2


def test_close_job_catches_up_after_a_missed_deadline_with_the_deadline_as_closing_time():
    coop = CoopFactory()
    a = voter(coop)
    now = timezone.now()
    proposal = proposal_in_discussion(author=a.user, changes=FLOOR_UP, now=now)
    now += timedelta(days=3)
    proposals_advance(now=now)
    services.ballot_cast(user=a.user, proposal=proposal, choice="yes", now=now)
    proposal.refresh_from_db()
    deadline = proposal.voting_ends_at
    back_up = deadline + timedelta(days=3)  # the server was down over the deadline
    with pytest.raises(Exception):  # noqa: B017 - a late vote before the catch-up is refused
        services.ballot_cast(user=a.user, proposal=proposal, choice="no", now=deadline + timedelta(days=1))
    assert proposals_advance(now=back_up) == {"opened": 0, "reminded": 0, "closed": 1}
    proposal.refresh_from_db()
    assert proposal.status == "adopted" and proposal.closed_at == deadline
    version = RulebookVersion.objects.get(coop=coop, number=2)
    assert version.effective_at == back_up  # effective from the adoption, not back-dated


def test_schedule_is_installed_by_migration():
    from django_q.models import Schedule

    assert Schedule.objects.filter(func=SCHEDULE_FUNC, schedule_type=Schedule.MINUTES).exists()


def test_proposals_advance_reminds_once():
    coop = CoopFactory()
    a = voter(coop)
    now = timezone.now()
    proposal_in_discussion(author=a.user, changes=FLOOR_UP, now=now)
    now += timedelta(days=3)
    proposals_advance(now=now)
    proposal = Proposal.objects.get()
    day_before = proposal.voting_ends_at - timedelta(hours=12)
    assert proposals_advance(now=day_before)["reminded"] == 1
    assert proposals_advance(now=day_before)["reminded"] == 0
