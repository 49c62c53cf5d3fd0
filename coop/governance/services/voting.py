"""Votes: a member casts (or changes) a ballot while voting is open; reminders; closing at the
deadline, with a secret ballot's member-ballot link erased."""

import random
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from accounts.services import notify
from coop.core.errors import Conflict
from coop.eventlog.services import event_record
from coop.federation.models import Membership
from coop.governance import locks
from coop.governance.changes import kind_get
from coop.governance.counting import ADOPTED, count_votes
from coop.governance.errors import InvalidChoice, NotEligible, NotInStatus, VotingClosed
from coop.governance.models import Ballot, Proposal
from coop.governance.selectors import tally_count
from coop.governance.services.adoption import _adopt
from coop.governance.services.common import _link, _users


@transaction.atomic
def ballot_cast(*, user: User, proposal: Proposal, choice: str, now: datetime | None = None) -> Ballot:
    """Cast or change a vote. Only members eligible when voting opened, until the deadline."""
    now = now or timezone.now()
    if choice not in Ballot.Choice.values:
        raise InvalidChoice()
    voter = locks.voter_for_update(proposal_id=proposal.pk, user_id=user.pk)
    proposal = Proposal.objects.get(pk=proposal.pk)  # re-read under the voter's lock
    if proposal.status != Proposal.Status.VOTING or now >= proposal.voting_ends_at:
        raise VotingClosed()
    if voter is None:
        raise NotEligible()
    if not Membership.objects.active().filter(user=user, coop_id=voter.coop_id).exists():
        raise NotEligible("membership_not_active", _("Your membership is not active, so you cannot vote."))
    ballot = Ballot.objects.filter(proposal=proposal, voter=user).first()
    if ballot is not None and ballot.choice == choice:
        return ballot
    if ballot is None:
        ballot = Ballot.objects.create(proposal=proposal, voter=user, coop_id=voter.coop_id, choice=choice,
                                       cast_at=now)
        voter.voted = True
        voter.save(update_fields=["voted"])
        kind = "ballot.cast"
    else:
        ballot.choice, ballot.cast_at = choice, now
        ballot.save(update_fields=["choice", "cast_at"])
        kind = "ballot.changed"
    # seam 13: no ballot event carries a ballot id or a choice (the event log refuses them for
    # every ballot event; open ballots show who voted what from the ballot rows instead)
    event_record(type=kind, coop=voter.coop_id, actor=user, subject=proposal, payload={"proposal": proposal.pk})
    return ballot


@transaction.atomic
def proposal_remind(*, proposal: Proposal, now: datetime | None = None) -> int:
    """A day before the close, remind the eligible members who have not voted (once).

    Records no event: a reminder decides nothing and changes no rule, vote or money; its
    trace is the notices themselves and `reminder_sent_at`, which keeps it to one run."""
    now = now or timezone.now()
    proposal = locks.proposal_for_update(proposal.pk)
    if proposal.status != Proposal.Status.VOTING or proposal.reminder_sent_at or now >= proposal.voting_ends_at:
        return 0
    if now < proposal.voting_ends_at - timedelta(days=1):
        return 0
    user_ids = list(proposal.voters.filter(voted=False).values_list("user_id", flat=True))
    for user in _users(user_ids):
        notify(user=user, kind="vote",
               message=gettext_noop("Last day to vote: %(title)s"), params={"title": proposal.title},
               link=_link(proposal))
    proposal.reminder_sent_at = now
    proposal.save(update_fields=["reminder_sent_at"])
    return len(user_ids)


def _anonymise(proposal):
    """Seam 13: erase the member-ballot link. The rows are re-inserted in random order with
    new random ids and no time, so neither order nor id nor time leads back to a voter."""
    ballots = list(Ballot.objects.filter(proposal=proposal).values("coop_id", "choice"))
    Ballot.objects.filter(proposal=proposal).delete()
    fresh = [Ballot(proposal=proposal, coop_id=b["coop_id"], choice=b["choice"]) for b in ballots]
    random.SystemRandom().shuffle(fresh)
    Ballot.objects.bulk_create(fresh)


@transaction.atomic
def proposal_close(*, proposal: Proposal, now: datetime | None = None) -> Proposal:
    """Voting -> adopted, rejected or failed_quorum once the deadline has passed. Idempotent,
    and the closing time is the deadline even when the job runs late (catch-up)."""
    now = now or timezone.now()
    proposal = locks.proposal_for_update(proposal.pk)
    if proposal.is_closed:
        return proposal
    if proposal.status != Proposal.Status.VOTING:
        raise NotInStatus()
    if now < proposal.voting_ends_at:
        raise Conflict("voting_not_over", _("Voting is still open."),
                       {"voting_ends_at": proposal.voting_ends_at.isoformat()})
    locks.voters_for_update(proposal_id=proposal.pk)  # wait for votes in flight
    counts = tally_count(proposal=proposal)
    result = count_votes(eligible=proposal.eligible_count, yes=counts["yes"], no=counts["no"],
                         abstain=counts["abstain"], quorum_pct=proposal.quorum_pct,
                         threshold_pct=proposal.threshold_pct, supermajority=proposal.supermajority,
                         needs_supermajority=proposal.needs_supermajority)
    proposal.yes_count, proposal.no_count, proposal.abstain_count = result.yes, result.no, result.abstain
    proposal.status = result.outcome
    proposal.closed_at = proposal.voting_ends_at
    if proposal.secret:
        _anonymise(proposal)
    if result.outcome == ADOPTED:
        _adopt(proposal, now)
    else:
        for change in proposal.changes.all():
            kind_get(change.kind).not_adopted(proposal, change, result.outcome)
    proposal.save()
    event_record(type="proposal.closed", coop=proposal.coop_id, subject=proposal, payload={
        "proposal": proposal.pk, "outcome": result.outcome, "eligible": result.eligible, "yes": result.yes,
        "no": result.no, "abstain": result.abstain, "created_version": proposal.created_version,
    })
    notify(user=proposal.author, kind="vote", message=gettext_noop("Vote closed (%(outcome)s): %(title)s"), params={
        "outcome": Proposal.Status(result.outcome).label, "title": proposal.title}, link=_link(proposal))
    return proposal
