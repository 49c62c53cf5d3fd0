"""One market run on the current database: build the world, run the clock, read the figures
back from the records. `simulate_market` calls it once per market, each in its own database;
the test suite calls it on the test database.

The whole run holds the product's clock (`coop.core.clock`) at the simulation's time and draws
the product's stored random bytes (event salts, member keys: `coop.core.entropy`) from the seed,
so the same seed gives the same event log, to its head."""

import random
import time
from datetime import UTC, datetime, timedelta

from coop.core.clock import clock_set
from coop.core.entropy import entropy_seeded
from coop.eventlog.checkpoints import checkpoint_latest, checkpoint_sign
from coop.eventlog.sequencer import sequence_pending
from coop.simulation import figures
from coop.simulation.broker import QUEUED
from coop.simulation.database import simulation_settings
from coop.simulation.engine import Market
from coop.simulation.world import world_build

# The simulation's first instant, the same for every run (the event log's times and so its head
# depend on it). Far ahead of the wall clock on purpose: what the services still stamp with the
# wall clock (a coop's first rulebook version, an account's creation) is in the simulation's past.
START = datetime(2100, 1, 4, tzinfo=UTC)  # a Monday


def simulate(config, *, progress=None):
    """Run one market; return (figures.Figures, timings in seconds)."""
    rng = random.Random(f"{config.seed}:{config.rules}")
    QUEUED.clear()
    with (simulation_settings(seed=config.seed), entropy_seeded(f"{config.seed}:{config.rules}"),
          clock_set(START)):
        started = time.monotonic()
        world = world_build(config, rng)
        built = time.monotonic()
        market = Market(world, config, rng, START, progress=progress)
        market.run()
        ran = time.monotonic()
        result = figures.collect(market)
        with clock_set(START + timedelta(days=config.days)):
            result.tables["log_head"] = log_head(result.market)
        collected = time.monotonic()
    return result, {"build": built - started, "run": ran - built, "collect": collected - ran}


def log_head(market):
    """The event log's head at the end of the run (every event sequenced, the head signed): a
    table of one row, the same for the same seed and options."""
    sequence_pending()
    head = checkpoint_sign() or checkpoint_latest()
    size, root, chain = (head.size, bytes(head.root).hex(), bytes(head.chain_hash).hex()) if head else (0, "", "")
    return figures.Table("log_head", ("market", "size", "root", "chain_hash"), [(market, size, root, chain)])
