"""A hardship grant put to the members' vote (issue 23; docs/solidarity.md): a secret ballot
with a short deadline (`solidarity_vote_hours`), opened at once, without the discussion period
(the member is in hardship now; the proposal's forum room stays open for questions)."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from coop.core.money import format_amount
from coop.federation.selectors import rulebook_in_force
from coop.governance.models import Proposal
from coop.governance.services.proposals import proposal_create, proposal_voting_open
from ledger.models import HardshipApplication
from ledger.services.hardship import hardship_vote_opened, hardship_vote_prepare


@transaction.atomic
def hardship_vote_open(*, steward: User, application: HardshipApplication, now: datetime | None = None) -> Proposal:
    """A steward who read the statement puts an application above the stewards' limit to a
    secret vote of the participating members, closing after `solidarity_vote_hours`. The
    proposal names the amount and the application's number, never the member or the statement.
    Returns the proposal (voting)."""
    now = now or timezone.now()
    application = hardship_vote_prepare(steward=steward, application=application, now=now)
    hours = rulebook_in_force(coop=application.coop, at=now)["solidarity_vote_hours"]
    amount = format_amount(application.amount)
    proposal = proposal_create(
        author=steward, secret=True, now=now,
        title=_("Solidarity grant of %(amount)s (application #%(n)s)") % {"amount": amount, "n": application.pk},
        body=_("A member of our coop asked the solidarity fund for help. A steward read their statement and puts "
               "this grant of %(amount)s to the members, because it is more than two stewards may grant. The ballot "
               "is secret; the member's name and statement stay with the stewards.") % {"amount": amount},
        changes=[{"kind": "solidarity_grant", "application": application.pk}])
    Proposal.objects.filter(pk=proposal.pk).update(status=Proposal.Status.DISCUSSION, discussion_started_at=now,
                                                   discussion_ends_at=now)
    proposal = proposal_voting_open(proposal=proposal, now=now, voting_hours=hours)
    hardship_vote_opened(application=application, proposal_id=proposal.pk, steward=steward)
    return proposal
