"""Governance's part of a member's data rights (accounts.datarights): the votes they cast and the
proposals they wrote. A vote's choice is exported while the ballot is still linked to its voter
(voting open, or an open ballot). After a secret ballot closes the link is erased (DESIGN.md
seam 13): what remains knowable is that they voted, not how, and the export says so. On
erasure the explanations of their proposals become the tombstone; titles, changes and results
stay (the coop's rulebook history rests on them)."""

from coop.governance.models import Ballot, EligibleVoter, Proposal


def vote_rows(*, user):
    rows, linked = [], set()
    for ballot in Ballot.objects.filter(voter=user).select_related("proposal").order_by("proposal_id"):
        linked.add(ballot.proposal_id)
        rows.append({"proposal": ballot.proposal_id, "title": ballot.proposal.title, "secret": ballot.proposal.secret,
                     "status": ballot.proposal.status, "voted": True, "choice": ballot.choice,
                     "cast_at": ballot.cast_at, "choice_knowable": True})
    for voter in (EligibleVoter.objects.filter(user=user, voted=True).exclude(proposal_id__in=linked)
                  .select_related("proposal").order_by("proposal_id")):
        rows.append({"proposal": voter.proposal_id, "title": voter.proposal.title, "secret": voter.proposal.secret,
                     "status": voter.proposal.status, "voted": True, "choice": None, "cast_at": None,
                     "choice_knowable": False})
    return rows


def proposal_rows(*, user):
    return [{"proposal": p.pk, "title": p.title, "body": p.body, "status": p.status, "created_at": p.created_at,
             "closed_at": p.closed_at, "yes": p.yes_count, "no": p.no_count, "abstain": p.abstain_count}
            for p in Proposal.objects.filter(author=user).order_by("pk")]


def proposals_erase(*, user, tombstone):
    Proposal.objects.filter(author=user).exclude(body="").update(body=tombstone)
