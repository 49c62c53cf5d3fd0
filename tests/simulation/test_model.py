"""coop/simulation/model.py: the people of a market drawn from a seed (the same seed, the same
market), the coops each rule set runs, rewards against the floor, and `Said` sentences."""

import math
import pickle
import random

from coop.simulation.model import (
    ATELIER_COOPS,
    CATEGORIES,
    FLOOR_MARGIN,
    MTURK_PARAMETERS,
    PREFERRED_RATE,
    Config,
    Requester,
    Said,
    coop_specs,
    keyed,
    members_draw,
    requesters_draw,
    reward_for,
)


def test_said_keeps_its_template_through_pickling():
    said = Said("{n} tasks in {coop}", n=3, coop="tana")
    assert said == "3 tasks in tana" and said.template == "{n} tasks in {coop}" and said.values == {"n": 3,
                                                                                                    "coop": "tana"}
    copy = pickle.loads(pickle.dumps(said))
    assert isinstance(copy, Said) and copy == said and copy.values == said.values


def test_keyed_depends_on_the_seed_and_parts_only():
    assert keyed(1, "appeal", 7).random() == keyed(1, "appeal", 7).random()
    assert keyed(1, "appeal", 7).random() != keyed(1, "appeal", 8).random()
    assert keyed(1, "appeal", 7).random() != keyed(2, "appeal", 7).random()


def test_coop_specs_for_each_rule_set():
    atelier = coop_specs(Config(coops=4))
    assert [s["slug"] for s in atelier] == ["tana", "lagos", "karachi", "tana-3"]
    assert atelier[1]["parameters"] == ATELIER_COOPS[1]["parameters"]
    mturk = coop_specs(Config(coops=2, rules="mturk"))
    assert all(s["parameters"] == MTURK_PARAMETERS for s in mturk) and Config(rules="mturk").mturk
    mturk[0]["parameters"]["floor_hourly_rate"] = 99  # each spec has its own copy
    assert MTURK_PARAMETERS["floor_hourly_rate"] == 0


def test_the_same_seed_draws_the_same_members():
    config = Config(members=30, coops=3)
    first, second = members_draw(random.Random(5), config), members_draw(random.Random(5), config)
    assert [(m.behaviour, m.speed, m.reservation) for m in first] == [(m.behaviour, m.speed, m.reservation)
                                                                       for m in second]
    assert [m.coop for m in first[:6]] == [0, 1, 2, 0, 1, 2]
    assert all(0.5 <= a <= 0.995 for m in first for a in m.accuracy.values())
    assert all(set(m.speed) == set(CATEGORIES) and 100 <= m.reservation <= 450 for m in first)


def test_requesters_cycle_behaviours_and_underestimate_by_half():
    requesters = requesters_draw(random.Random(2), Config(requesters=7, coops=2))
    assert [r.behaviour for r in requesters][:2] == ["honest", "underestimates"] and requesters[6].behaviour == "honest"
    under = requesters[1]
    assert under.estimate == max(1, round(under.true_minutes / 2))
    assert requesters[0].estimate == max(1, round(requesters[0].true_minutes))


def test_reward_for_pays_the_market_rate_or_the_floor_with_its_margin():
    honest = Requester(index=0, behaviour="honest", coop=0, category="rating", true_minutes=6, estimate=6, tz=0,
                       batch_every_days=2, tasks_per_batch=(1, 2))
    assert reward_for(honest, 0) == math.ceil(PREFERRED_RATE["honest"] * 6 / 60)  # 70: no floor binds
    assert reward_for(honest, 1200) == math.ceil(1200 * FLOOR_MARGIN["honest"] * 6 / 60)  # 150 > 70
    edge = Requester(index=1, behaviour="floor_edge", coop=0, category="rating", true_minutes=1, estimate=1, tz=0,
                     batch_every_days=2, tasks_per_batch=(1, 2))
    assert reward_for(edge, 0) == 3 and reward_for(edge, 1200) == 20
