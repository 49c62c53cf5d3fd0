"""Counting votes exactly as DESIGN.md seam 14 says, in integers (no floats anywhere).

- Quorum: votes cast (abstentions included) x 100 >= quorum_pct x eligible voters.
- Ordinary proposals pass when yes x 100 > threshold_pct x (yes + no).
- Articles and voting rules need yes >= supermajority x (yes + no), the supermajority a
  fraction ("2/3"): yes x denominator >= numerator x (yes + no).
- Abstentions count for quorum only.
One guard beyond the letter of the seam: a proposal with no yes vote never passes (with only
abstentions, 0 >= 2/3 x 0 would otherwise adopt it with nobody in favour)."""

from dataclasses import dataclass
from fractions import Fraction

ADOPTED, REJECTED, FAILED_QUORUM = "adopted", "rejected", "failed_quorum"


@dataclass(frozen=True)
class Count:
    eligible: int
    yes: int
    no: int
    abstain: int
    quorum_met: bool
    passed: bool

    @property
    def cast(self):
        return self.yes + self.no + self.abstain

    @property
    def outcome(self):
        if not self.quorum_met:
            return FAILED_QUORUM
        return ADOPTED if self.passed else REJECTED


def count_votes(*, eligible, yes, no, abstain, quorum_pct, threshold_pct, supermajority, needs_supermajority):
    cast = yes + no + abstain
    quorum_met = cast * 100 >= quorum_pct * eligible
    if needs_supermajority:
        fraction = Fraction(str(supermajority))
        passed = yes > 0 and yes * fraction.denominator >= fraction.numerator * (yes + no)
    else:
        passed = yes > 0 and yes * 100 > threshold_pct * (yes + no)
    return Count(eligible, yes, no, abstain, quorum_met, quorum_met and passed)
