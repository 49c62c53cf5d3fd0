"""One market run on the current database: build the world, run the clock, read the figures
back from the records. `simulate_market` calls it once per market, each in its own database;
the test suite calls it on the test database."""

import random
import time
from datetime import UTC, datetime, timedelta

from coop.simulation import figures
from coop.simulation.broker import QUEUED
from coop.simulation.database import simulation_settings
from coop.simulation.engine import Market
from coop.simulation.world import world_build


def clock_start():
    """The simulation's first instant: midnight UTC, the day after tomorrow. The clock runs
    ahead of the wall clock, so everything stamped with the wall clock (event times, the
    first rulebook versions) is already in the simulation's past."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=2)


def simulate(config, *, progress=None):
    """Run one market; return (figures.Figures, timings in seconds)."""
    rng = random.Random(f"{config.seed}:{config.rules}")
    QUEUED.clear()
    with simulation_settings():
        started = time.monotonic()
        world = world_build(config, rng)
        built = time.monotonic()
        market = Market(world, config, rng, clock_start(), progress=progress)
        market.run()
        ran = time.monotonic()
        result = figures.collect(market)
        collected = time.monotonic()
    return result, {"build": built - started, "run": ran - built, "collect": collected - ran}
