"""Governance helpers: participating members (with the event that makes them count) and
proposals moved along their lifecycle through the services."""

from datetime import timedelta

from django.utils import timezone

from coop.eventlog.services import event_record
from coop.governance import services
from coop.governance.models import Proposal
from tests.factories.federation import member

__all__ = ["voter", "proposal_in_discussion", "proposal_voting", "deadline_pass"]


def voter(coop, **kwargs):
    """An active member who counts as participating (recently admitted); returns the membership."""
    membership = member(coop, **kwargs)
    event_record(type="membership.admitted", coop=coop, actor=membership.user, subject=membership,
                 payload={"membership": membership.pk})
    return membership


def proposal_in_discussion(*, author, changes=(), title="Raise the floor rate", body="", secret=False,
                           federation=False, now=None):
    now = now or timezone.now()
    proposal = services.proposal_create(author=author, title=title, body=body or "Because the work is worth it.",
                                        changes=changes, secret=secret, federation=federation)
    return services.proposal_submit(author=author, proposal=proposal, now=now)


def proposal_voting(*, author, changes=(), **kwargs):
    """A proposal whose voting opened now (its discussion period cut short, as if it had passed)."""
    proposal = proposal_in_discussion(author=author, changes=changes, **kwargs)
    now = timezone.now()
    Proposal.objects.filter(pk=proposal.pk).update(discussion_ends_at=now)
    return services.proposal_voting_open(proposal=proposal, now=now)


def deadline_pass(proposal):
    """As if the voting deadline had just passed (tests cannot wait a week)."""
    Proposal.objects.filter(pk=proposal.pk).update(voting_ends_at=timezone.now() - timedelta(microseconds=1))
    proposal.refresh_from_db()
    return proposal
