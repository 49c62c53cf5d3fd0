"""coop/simulation/run.py: one tiny market run end to end: the clock starts at a fixed instant
ahead of the wall clock, the figures come back with every table and the goals, the timings of each phase,
and the same seed gives the same tables."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings

from coop.simulation.run import START, simulate
from tests.simulation.tiny import TINY

pytestmark = pytest.mark.django_db(transaction=settings.DATABASE_IS_POSTGRES,
                                   reset_sequences=settings.DATABASE_IS_POSTGRES)

TABLES = {"calls", "earnings", "floor_misses", "unpaid_minutes", "fair_share", "rejections", "appeals"}


def test_the_clock_starts_at_a_fixed_instant_ahead_of_the_wall_clock():
    """The same for every run (the event log's head depends on it), and later than anything the
    services stamp with the wall clock."""
    assert START == datetime(2100, 1, 4, tzinfo=UTC) and START.weekday() == 0
    assert START > datetime.now(UTC) + timedelta(days=365)


def test_simulate_a_tiny_market():
    figures, timings = simulate(TINY)
    assert figures.market == "atelier"
    assert TABLES <= set(figures.tables)
    assert len(figures.goals) == 5
    assert set(timings) == {"build", "run", "collect"} and all(t >= 0 for t in timings.values())
    calls = {row[1]: row[2] for row in figures.tables["calls"].rows}
    # members really took work, through the service or (scripting members) the member API
    assert calls.get("assignment_claim", 0) + calls.get("api:claim", 0) > 0
