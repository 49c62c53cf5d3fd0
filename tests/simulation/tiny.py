"""A tiny market for the simulation's module tests: 2 coops, 8 members, 2 requesters, 1 day
(`WORLD`: 5 requesters, so the gold-question one with its paid test is among them)."""

import random

from coop.simulation.model import Config

TINY = Config(days=1, members=8, requesters=2, coops=2, seed=7)
WORLD = Config(days=1, members=4, requesters=5, coops=2, seed=7)


def rng(config=TINY):
    return random.Random(f"{config.seed}:{config.rules}")
