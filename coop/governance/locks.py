"""The only place governance rows are locked. Order: proposal first, then its voters in pk order."""

from coop.governance.models import EligibleVoter, Proposal


def proposal_for_update(pk: int):
    """FOR NO KEY UPDATE: a vote in flight inserts a ballot whose foreign key takes a KEY SHARE
    lock on the proposal; a full FOR UPDATE here would deadlock with it while the close waits
    for that vote's voter row."""
    return Proposal.objects.select_for_update(no_key=True).get(pk=pk)


def voter_for_update(*, proposal_id: int, user_id: int):
    """Lock one eligible voter's row: a member's votes on a proposal go one at a time."""
    return EligibleVoter.objects.select_for_update().filter(proposal_id=proposal_id, user_id=user_id).first()


def voters_for_update(*, proposal_id: int):
    """Lock every voter row of a proposal (after its proposal row): closing waits for votes in
    flight, and a vote that waited sees the proposal closed."""
    return list(EligibleVoter.objects.select_for_update().filter(proposal_id=proposal_id).order_by("pk"))
