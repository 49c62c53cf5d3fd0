"""coop/governance/models.py: a proposal's scope and closed state, and the database rules of
ballots (one per member, a valid choice)."""

import pytest
from django.db import IntegrityError, transaction

from coop.governance.models import Ballot, Proposal
from tests.factories import CoopFactory, proposal_voting, voter

pytestmark = pytest.mark.django_db

FLOOR_UP = [{"kind": "parameter", "name": "floor_hourly_rate", "value": 1500}]


def test_is_federation_and_is_closed():
    assert Proposal(coop_id=None).is_federation and not Proposal(coop_id=3).is_federation
    for status in Proposal.Status.values:
        assert Proposal(status=status).is_closed is (status in Proposal.CLOSED)
    assert set(Proposal.OPEN) | set(Proposal.CLOSED) == set(Proposal.Status.values)


def test_one_ballot_per_member_and_valid_choices_only():
    coop = CoopFactory()
    author = voter(coop)
    proposal = proposal_voting(author=author.user, changes=FLOOR_UP)
    Ballot.objects.create(proposal=proposal, voter=author.user, coop=coop, choice="yes")
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(proposal=proposal, voter=author.user, coop=coop, choice="no")
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(proposal=proposal, voter=None, coop=coop, choice="maybe")
    Ballot.objects.create(proposal=proposal, voter=None, coop=coop, choice="no")  # anonymised rows are many
    Ballot.objects.create(proposal=proposal, voter=None, coop=coop, choice="abstain")
    assert proposal.ballots.count() == 3
    assert str(proposal) == f"#{proposal.pk} Raise the floor rate"
    assert str(proposal.changes.get()) == "parameter floor_hourly_rate"
