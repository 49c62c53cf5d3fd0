"""coop/simulation/figures.py: the helpers every table uses (stable rounding, nearest-rank
quantiles, hours on the simulation clock) and the five goals judged from a run's tables."""

from datetime import UTC, datetime, timedelta

import pytest

from coop.simulation import figures
from coop.simulation.figures import Table, goals_judge, hours_since, quantile, r
from coop.simulation.model import Said


def test_r_rounds_for_stable_text():
    assert r(2 / 3) == 0.67 and r(2 / 3, 4) == 0.6667 and r(5) == 5.0


@pytest.mark.parametrize(("values", "q", "expected"), [
    ([], 0.5, 0),
    ([7], 0.9, 7),
    ([15, 20, 35, 40, 50], 0.3, 20),  # nearest rank: ceil(0.3 * 5) = 2nd
    ([15, 20, 35, 40, 50], 0.4, 20),
    ([15, 20, 35, 40, 50], 0.5, 35),
    ([15, 20, 35, 40, 50], 1.0, 50),
    ([3, 1, 2], 0.0, 1),
])
def test_quantile_by_nearest_rank(values, q, expected):
    assert quantile(values, q) == expected


def test_hours_since():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert hours_since(start, start + timedelta(minutes=90)) == 1.5


def _tables(*, share=0.97, tests_minutes=0, fair=(("p1", 100, 10),), rejected=(4, 4), overturned=(3,)):
    earnings = Table("earnings", ("market", "group") + tuple(f"c{i}" for i in range(9)))
    earnings.rows.append(("atelier", "all", 0, 0, 0, 0, 0, 0, 0, share, 0.5))
    floor_misses = Table("floor_misses", ("a", "requester", "member", "b", "hours"))
    floor_misses.rows += [("atelier", "R1", "fast", 0, 3.0), ("atelier", "R2", "fast", 0, 1.0)]
    unpaid = Table("unpaid_minutes", ("a", "b", "what", "minutes"))
    unpaid.rows.append(("atelier", "x", "qualification_tests", tests_minutes))
    fair_share = Table("fair_share", tuple(range(8)))
    fair_share.rows += [("atelier", p, 0, "fair_share", slots, 0, 0, won) for p, slots, won in fair]
    rejections = Table("rejections", tuple(range(7)))
    rejections.rows.append(("atelier", 0, 0, 0, rejected[0], 0, rejected[1]))
    appeals = Table("appeals", tuple(range(8)))
    appeals.rows += [("atelier", 0, 0, 0, 0, 0, "overturned", delay) for delay in overturned]
    return {"earnings": earnings, "floor_misses": floor_misses, "unpaid_minutes": unpaid, "fair_share": fair_share,
            "rejections": rejections, "appeals": appeals}


def test_goals_all_met():
    goals = goals_judge("atelier", _tables(), "fair_share")
    assert [g[3] for g in goals] == [True] * 5
    assert [g[1] for g in goals] == ["97.0%", "0", "10.0%", "4/4", "1/1"]
    assert all(g[4] == "" for g in goals)


def test_goals_missed_name_their_mechanism():
    goals = goals_judge("atelier", _tables(share=0.5, tests_minutes=30, fair=(("p1", 10, 5),), rejected=(4, 3),
                                           overturned=(30, "unpaid")), "fair_share")
    assert [g[3] for g in goals] == [False] * 5
    floor = goals[0][4]
    assert isinstance(floor, Said) and "R1 75%, R2 25%" in floor and "fast 100%" in floor
    assert goals[4][1] == "0/2"
    mturk = goals_judge("mturk", _tables(share=0.5), "first_come")
    assert mturk[0][1] == "50.0%" and mturk[0][4].startswith("no floor in the rulebook")
    empty = goals_judge("atelier", _tables(fair=(), overturned=()), "first_come")
    assert empty[2][1] == "no batch" and not empty[2][3] and empty[4][1] == "no overturned appeal"
    assert figures.FLOOR_MISSED.startswith("the floor binds")
