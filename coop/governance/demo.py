"""Demo governance for the tana coop: a proposal in discussion, and one in voting with some
votes (the demo members joined just now, so they are participating members)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from coop.governance import services
from coop.governance.models import Proposal

DISCUSSION_TITLE = "Ban adult content from our projects"
VOTING_TITLE = "Raise the floor hourly rate to 15.00"


@transaction.atomic
def seed(ctx):
    coop = ctx["coops"]["tana"]
    users = ctx["users"]
    if not Proposal.objects.filter(coop=coop, title=DISCUSSION_TITLE).exists():
        proposal = services.proposal_create(
            author=users["member2@tana.example"], title=DISCUSSION_TITLE,
            body="Several of us do not want to label adult images. Let us ban the category for the coop.",
            changes=[{"kind": "data_category", "category": "adult_content", "action": "ban"}])
        services.proposal_submit(author=proposal.author, proposal=proposal)
    if not Proposal.objects.filter(coop=coop, title=VOTING_TITLE).exists():
        proposal = services.proposal_create(
            author=users["member@tana.example"], title=VOTING_TITLE,
            body="Transcription in Malagasy takes longer than the estimates say. A higher floor keeps our pay fair.",
            changes=[{"kind": "parameter", "name": "floor_hourly_rate", "value": 1500}])
        # its discussion started a few days ago, so its vote is open now
        services.proposal_submit(author=proposal.author, proposal=proposal,
                                 now=timezone.now() - timedelta(days=3, minutes=5))
        services.proposal_voting_open(proposal=proposal)
        for email, choice in [("member@tana.example", "yes"), ("member3@tana.example", "yes"),
                              ("steward2@tana.example", "no")]:
            services.ballot_cast(user=users[email], proposal=proposal, choice=choice)
