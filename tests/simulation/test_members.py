"""coop/simulation/members.py: what members do in a market (sessions, claims, submissions,
returns, tests, payouts) leaves records only through the services: after a tiny run the
assignments claimed are members' of the market, each with an event."""

import pytest
from django.conf import settings

from coop.eventlog.models import Event
from coop.simulation.database import simulation_settings
from coop.simulation.engine import Market
from coop.simulation.run import START
from coop.simulation.world import world_build
from tasks.models import Assignment
from tests.simulation.tiny import TINY, rng

pytestmark = pytest.mark.django_db(transaction=settings.DATABASE_IS_POSTGRES,
                                   reset_sequences=settings.DATABASE_IS_POSTGRES)


def test_members_work_through_the_services():
    with simulation_settings():
        generator = rng()
        world = world_build(TINY, generator)
        market = Market(world, TINY, generator, START)
        market.run()
    claimed = Assignment.objects.all()
    assert claimed.exists()
    assert set(claimed.values_list("member_id", flat=True)) <= set(world.by_user)
    assert Event.objects.filter(type="assignment.claimed").count() == claimed.count()
    submitted = claimed.exclude(submitted_at=None)
    assert submitted.exists() and all(a.answers for a in submitted)
    assert Event.objects.filter(type="assignment.submitted").count() >= submitted.count()
    assert set(market.truth) >= set(submitted.values_list("pk", flat=True))  # ground truth kept per answer
