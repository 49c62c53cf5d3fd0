"""coop/governance/counting.py: votes counted in integers as DESIGN.md seam 14 says."""

import pytest

from coop.governance.counting import ADOPTED, FAILED_QUORUM, REJECTED, count_votes

RULES = {"quorum_pct": 50, "threshold_pct": 50, "supermajority": "2/3"}


def _count(eligible, yes, no, abstain, *, needs_supermajority=False, **rules):
    return count_votes(eligible=eligible, yes=yes, no=no, abstain=abstain,
                       needs_supermajority=needs_supermajority, **{**RULES, **rules})


def test_abstentions_count_for_the_quorum_only():
    count = _count(10, yes=2, no=1, abstain=2)
    assert (count.cast, count.quorum_met, count.passed, count.outcome) == (5, True, True, ADOPTED)
    assert _count(10, yes=2, no=1, abstain=1).outcome == FAILED_QUORUM  # 4 x 100 < 50 x 10


def test_the_quorum_is_met_exactly_at_its_percentage():
    assert _count(10, yes=5, no=0, abstain=0).quorum_met is True
    assert _count(10, yes=4, no=0, abstain=0).quorum_met is False
    assert _count(3, yes=1, no=0, abstain=0, quorum_pct=34).quorum_met is False  # 100 < 102: no rounding down


def test_an_ordinary_proposal_needs_strictly_more_than_the_threshold():
    assert _count(4, yes=2, no=2, abstain=0).outcome == REJECTED  # 50 % is not more than 50 %
    assert _count(4, yes=3, no=1, abstain=0).outcome == ADOPTED


@pytest.mark.parametrize(("yes", "no", "passed"), [(2, 1, True), (3, 2, False), (4, 2, True), (1, 0, True)])
def test_a_supermajority_is_a_fraction_reached_or_exceeded(yes, no, passed):
    assert _count(yes + no, yes=yes, no=no, abstain=0, needs_supermajority=True).passed is passed


def test_nobody_in_favour_never_passes():
    only_abstentions = _count(3, yes=0, no=0, abstain=3, needs_supermajority=True)
    assert (only_abstentions.quorum_met, only_abstentions.passed, only_abstentions.outcome) == (True, False, REJECTED)
    assert _count(3, yes=0, no=0, abstain=3, threshold_pct=0).passed is False


def test_a_failed_quorum_does_not_pass_even_when_all_say_yes():
    count = _count(100, yes=10, no=0, abstain=0)
    assert (count.passed, count.outcome) == (False, FAILED_QUORUM)
