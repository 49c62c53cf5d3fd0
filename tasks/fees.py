"""Fees over a whole batch, split exactly (DESIGN.md seam 1, issue 16 point 2).

Rounding the fee down per assignment gave the juror fund nothing on any reward under 2.00
(a 30¢ reward: fee 1.5¢ → 1¢ to the coop, 0 to the federation and the juror fund). Instead
the fee is computed once for the batch (every slot a publish or a later `tasks_add` opens):

1. the batch fee is `reward × slots × platform_fee_bps / 10 000`, rounded down once (the
   requester never pays more than the voted percentage);
2. it is split into federation, juror-fund and coop parts by largest remainder: each part
   gets the floor of its exact share, and the units left go to the parts with the largest
   remainders (ties: juror fund, then federation, then coop), so the parts add up to the
   batch fee exactly and each is within one unit of its voted percentage;
3. each part is spread over the batch's slots: every slot gets the part's floor per slot, and
   the units left are dealt one per slot, continuing round the batch from part to part, so
   slots' fees differ by at most one unit and every part's slot shares add up to its batch
   total.

Each slot stores its shares; release and refund move exactly that slot's shares, so what the
escrow pays out for a batch equals what it held for it."""

from dataclasses import dataclass

from coop.core import money

BPS = 10_000
PARTS = ("fee_coop", "fee_federation", "fee_juror")


@dataclass(frozen=True)
class BatchFees:
    """Totals for a batch and each slot's shares (in slot order)."""

    total: int
    fee_coop: int
    fee_federation: int
    fee_juror: int
    slots: tuple  # one (fee_coop, fee_federation, fee_juror) per slot

    def totals(self):
        return {"fee_coop": self.fee_coop, "fee_federation": self.fee_federation, "fee_juror": self.fee_juror}


def largest_remainder(total, weights):
    """Split the integer `total` in proportion to integer `weights` (summing to BPS); the parts
    add up to `total`. Ties in remainder go to the earlier weight (`coop.core.money`)."""
    return [part for part, _floor, _remainder in money.largest_remainder(total, weights)]


def batch_fees(*, reward, slots, rulebook):
    """The fees of a batch of `slots` assignments at `reward` each under `rulebook`."""
    if slots <= 0:
        return BatchFees(0, 0, 0, 0, ())
    total = reward * slots * rulebook["platform_fee_bps"] // BPS
    federation_bps = min(BPS, rulebook["federation_share_bps"])
    juror_bps = min(BPS - federation_bps, rulebook["juror_fund_bps"])
    juror, federation, coop = largest_remainder(total, [juror_bps, federation_bps, BPS - federation_bps - juror_bps])
    shares = [[0, 0, 0] for _ in range(slots)]
    cursor = 0
    for index, part in enumerate((coop, federation, juror)):
        base, extra = divmod(part, slots)
        for share in shares:
            share[index] = base
        for step in range(extra):
            shares[(cursor + step) % slots][index] += 1
        cursor = (cursor + extra) % slots
    return BatchFees(total, coop, federation, juror, tuple(tuple(s) for s in shares))


def slot_share(*, parts, slots, index):
    """Slot `index`'s (fee_coop, fee_federation, fee_juror) when the part totals `parts`
    (coop, federation, juror) are dealt over `slots` slots as `batch_fees` deals them, without
    building the whole batch: paid tests pay one attempt at a time out of a funding."""
    if not 0 <= index < slots:
        raise IndexError(index)
    share, cursor = [], 0
    for part in parts:
        base, extra = divmod(part, slots)
        share.append(base + (1 if (index - cursor) % slots < extra else 0))
        cursor = (cursor + extra) % slots
    return tuple(share)


def fee_preview(*, reward, slots, rulebook):
    """What a requester sees before publishing: the batch's fee totals (slots at least one)."""
    return batch_fees(reward=reward, slots=max(1, slots), rulebook=rulebook)
