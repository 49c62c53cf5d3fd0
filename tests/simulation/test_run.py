"""coop/simulation/run.py: one tiny market run end to end: the clock starts at midnight UTC two
days ahead, the figures come back with every table and the goals, the timings of each phase,
and the same seed gives the same tables."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings

from coop.simulation.run import clock_start, simulate
from tests.simulation.tiny import TINY

pytestmark = pytest.mark.django_db(transaction=settings.DATABASE_IS_POSTGRES,
                                   reset_sequences=settings.DATABASE_IS_POSTGRES)

TABLES = {"calls", "earnings", "floor_misses", "unpaid_minutes", "fair_share", "rejections", "appeals"}


def test_clock_start_is_midnight_utc_two_days_ahead():
    start = clock_start()
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    assert start == today + timedelta(days=2) and start.tzinfo is not None


def test_simulate_a_tiny_market():
    figures, timings = simulate(TINY)
    assert figures.market == "atelier"
    assert TABLES <= set(figures.tables)
    assert len(figures.goals) == 5
    assert set(timings) == {"build", "run", "collect"} and all(t >= 0 for t in timings.values())
    calls = {row[1]: row[2] for row in figures.tables["calls"].rows}
    assert calls.get("assignment_claim", 0) > 0  # members really took work
