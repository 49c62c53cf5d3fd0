"""coop/governance/demo.py: the tana coop's proposal in discussion and the one in voting with
three votes; running it again adds nothing."""

import pytest

from coop.federation import demo as federation_demo
from coop.governance import demo
from coop.governance.models import Ballot, Proposal
from coop.governance.selectors import tally_count

pytestmark = pytest.mark.django_db


def test_seed_opens_a_discussion_and_a_vote_once():
    ctx = {"logins": []}
    federation_demo.seed(ctx)
    demo.seed(ctx)
    discussion = Proposal.objects.get(title=demo.DISCUSSION_TITLE)
    voting = Proposal.objects.get(title=demo.VOTING_TITLE)
    assert (discussion.status, voting.status) == ("discussion", "voting")
    assert tally_count(proposal=voting) == {"yes": 2, "no": 1, "abstain": 0}
    demo.seed(ctx)
    assert Proposal.objects.count() == 2 and Ballot.objects.count() == 3
