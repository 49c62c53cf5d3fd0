"""coop/governance/datarights.py: a member's votes (a secret ballot's choice is unknowable once
closed) and proposals in their export; erasure tombstones their explanations only."""

import pytest

from coop.governance import services
from coop.governance.datarights import proposal_rows, proposals_erase, vote_rows
from coop.governance.models import Proposal
from tests.factories import CoopFactory, deadline_pass, proposal_voting, voter

pytestmark = pytest.mark.django_db

FLOOR_UP = [{"kind": "parameter", "name": "floor_hourly_rate", "value": 1500}]


def test_vote_rows_keep_an_open_choice_and_drop_a_closed_secret_one():
    coop = CoopFactory()
    author, me = voter(coop), voter(coop)
    open_vote = proposal_voting(author=author.user, changes=FLOOR_UP, title="Open vote")
    secret = proposal_voting(author=author.user, changes=FLOOR_UP, title="Secret vote", secret=True)
    services.ballot_cast(user=me.user, proposal=open_vote, choice="no")
    services.ballot_cast(user=me.user, proposal=secret, choice="yes")
    services.proposal_close(proposal=deadline_pass(secret))
    rows = {r["title"]: r for r in vote_rows(user=me.user)}
    assert rows["Open vote"]["choice"] == "no" and rows["Open vote"]["choice_knowable"]
    secret_row = rows["Secret vote"]
    assert secret_row["voted"] and secret_row["choice"] is None and not secret_row["choice_knowable"]
    assert vote_rows(user=author.user) == []


def test_proposal_rows_and_erasure_of_explanations():
    coop = CoopFactory()
    author = voter(coop)
    proposal = services.proposal_create(author=author.user, title="Kept title", body="My private reasons.",
                                        changes=FLOOR_UP)
    rows = proposal_rows(user=author.user)
    assert [(r["proposal"], r["title"], r["body"]) for r in rows] == [(proposal.pk, "Kept title",
                                                                        "My private reasons.")]
    proposals_erase(user=author.user, tombstone="[erased]")
    proposal = Proposal.objects.get(pk=proposal.pk)
    assert (proposal.title, proposal.body) == ("Kept title", "[erased]")
    assert proposal.changes.count() == 1
