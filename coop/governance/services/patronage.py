"""Sharing the surplus by work done, put to the members' vote (issue 23; docs/patronage.md): an
ordinary proposal (discussion, then the rulebook's voting days, open ballot), carrying one
change of kind `patronage`. Adoption pays every member's share; any other outcome frees the
period for another proposal."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from coop.core.money import format_amount
from coop.governance.models import Proposal
from coop.governance.services.proposals import proposal_create, proposal_submit
from ledger.services.patronage import patronage_propose, patronage_vote_linked


@transaction.atomic
def patronage_vote_open(*, steward: User, amount: int, now: datetime | None = None) -> Proposal:
    """A steward proposes to share `amount` of the treasury over the last finished period's
    approved work: the distribution with every share is stored, and a proposal carrying it goes
    to discussion (then to the vote, like any proposal). Returns the proposal. Refused, with
    nothing written, as `patronage_propose` refuses."""
    now = now or timezone.now()
    distribution = patronage_propose(steward=steward, amount=amount, now=now)
    shown = {"amount": format_amount(amount), "start": distribution.period_start.isoformat(),
             "end": distribution.period_end.isoformat()}
    proposal = proposal_create(
        author=steward, now=now,
        title=_("Share %(amount)s of the surplus by work done (%(start)s to %(end)s)") % shown,
        body=_("The stewards propose to return %(amount)s of the coop's treasury to the members, in proportion to "
               "the approved work each did from %(start)s to before %(end)s. Each member sees their share and how it "
               "was computed on the surplus page before voting.") % shown,
        changes=[{"kind": "patronage", "distribution": distribution.pk}])
    proposal = proposal_submit(author=steward, proposal=proposal, now=now)
    patronage_vote_linked(distribution=distribution, proposal_id=proposal.pk, steward=steward)
    return proposal
