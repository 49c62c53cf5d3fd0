"""The use cases of governance, one module per concern: `proposals` (draft, submit, withdraw,
open the vote), `voting` (ballots, reminders, closing), `adoption` (the next rulebook
version and the adopted actions), `stewards` (elected and recalled by a proposal). Each
public service records its event; `proposal_remind` records none (see its docstring).

Time: services take `now` (default `timezone.now()`), so jobs catching up and tests can say
when an action happens. Decisions are in docs/governance.md. The voting rules in force and the
tallies are reads: `coop.governance.selectors`."""

from coop.governance.services.adoption import clamp, coops_bring_within_bounds, federation_rulebook_version_create
from coop.governance.services.patronage import patronage_vote_open
from coop.governance.services.proposals import (
    proposal_create,
    proposal_submit,
    proposal_voting_open,
    proposal_withdraw,
)
from coop.governance.services.solidarity import hardship_vote_open
from coop.governance.services.stewards import steward_elect, steward_recall
from coop.governance.services.voting import ballot_cast, proposal_close, proposal_remind

__all__ = [
    "ballot_cast", "clamp", "coops_bring_within_bounds", "federation_rulebook_version_create", "hardship_vote_open",
    "patronage_vote_open", "proposal_close",
    "proposal_create", "proposal_remind", "proposal_submit", "proposal_voting_open", "proposal_withdraw",
    "steward_elect", "steward_recall",
]
