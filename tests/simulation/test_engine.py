"""coop/simulation/engine.py: the market's clock (events in time order, ties in the order they
were scheduled), service calls counted with their refusals, and a short run that posts work."""

import heapq
from datetime import UTC, datetime

import pytest
from django.conf import settings

from coop.core.errors import DomainError
from coop.simulation.database import simulation_settings
from coop.simulation.engine import Market
from coop.simulation.world import world_build
from tasks.models import Project
from tests.simulation.tiny import TINY, rng

pytestmark = pytest.mark.django_db(transaction=settings.DATABASE_IS_POSTGRES,
                                   reset_sequences=settings.DATABASE_IS_POSTGRES)

START = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.fixture
def market():
    with simulation_settings():
        generator = rng()
        yield Market(world_build(TINY, generator), TINY, generator, START)


def test_the_clock_and_calls(market):
    assert market.dt(1.5) == datetime(2030, 1, 1, 1, 30, tzinfo=UTC)

    def refuse(**kwargs):
        raise DomainError("too_late", "Too late.")

    assert market.call("ok", lambda **kwargs: kwargs["x"] * 2, x=4) == 8
    refused = market.call("late", refuse)
    assert isinstance(refused, DomainError)
    assert market.calls == {"ok": 1, "late": 1} and market.refusals == {"late:too_late": 1}
    market.at(5.0, "b")
    market.at(1.0, "a")
    market.at(5.0, "c")
    assert [heapq.heappop(market.heap)[2] for _ in range(3)] == ["a", "b", "c"]


def test_a_run_posts_projects_and_reports_progress(market):
    seen = []
    market.progress = seen.append
    with simulation_settings():
        market.run()
    assert sum(seen) == TINY.days * 24  # every simulated hour reported once
    assert market.calls["project_publish"] >= 1
    assert Project.objects.filter(published_at__isnull=False).count() >= 1
    assert market.projects and set(market.projects) <= set(Project.objects.values_list("pk", flat=True))
