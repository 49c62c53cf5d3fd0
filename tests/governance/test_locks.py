"""coop/governance/locks.py: the proposal row, then its voters in pk order."""

import pytest

from coop.governance.locks import proposal_for_update, voter_for_update, voters_for_update
from coop.governance.models import Proposal
from tests.factories import CoopFactory, member, proposal_voting, voter

pytestmark = pytest.mark.django_db


def test_locks_return_the_proposal_and_its_voters():
    coop = CoopFactory()
    author, other = voter(coop), voter(coop)
    proposal = proposal_voting(author=author.user, changes=[
        {"kind": "parameter", "name": "floor_hourly_rate", "value": 1500}])
    assert proposal_for_update(proposal.pk) == proposal
    voters = voters_for_update(proposal_id=proposal.pk)
    assert [v.user_id for v in voters] == [author.user_id, other.user_id]
    assert [v.pk for v in voters] == sorted(v.pk for v in voters)
    assert voter_for_update(proposal_id=proposal.pk, user_id=other.user_id) == voters[1]
    assert voter_for_update(proposal_id=proposal.pk, user_id=member(coop).user_id) is None  # joined after opening
    with pytest.raises(Proposal.DoesNotExist):
        proposal_for_update(0)
