"""Votes under concurrency, on PostgreSQL with real threads and committed transactions."""

from datetime import timedelta

import pytest

from coop.core.errors import DomainError
from coop.governance import services
from coop.governance.models import Ballot, EligibleVoter
from tests.factories import CoopFactory, proposal_voting, voter
from tests.threads import together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


def _run(n, work):
    outcomes = together([lambda i=i: work(i) for i in range(n)])
    return [o.code if isinstance(o, DomainError) else repr(o) for o in outcomes if isinstance(o, Exception)]


def test_ballot_cast_same_member_from_many_threads_ends_with_one_ballot():
    coop = CoopFactory()
    a = voter(coop)
    voter(coop)
    proposal = proposal_voting(author=a.user, changes=[{"kind": "parameter", "name": "floor_hourly_rate",
                                                        "value": 1500}])
    choices = ["yes", "no", "abstain"]
    errors = _run(THREADS, lambda i: services.ballot_cast(user=a.user, proposal=proposal,
                                                          choice=choices[i % 3]))
    assert errors == []
    ballots = list(Ballot.objects.filter(proposal=proposal))
    assert len(ballots) == 1 and ballots[0].voter_id == a.user_id
    assert EligibleVoter.objects.get(proposal=proposal, user=a.user).voted


def test_votes_racing_the_close_are_counted_or_refused_never_lost():
    coop = CoopFactory()
    members = [voter(coop) for _ in range(THREADS)]
    proposal = proposal_voting(author=members[0].user, changes=[{"kind": "parameter", "name": "floor_hourly_rate",
                                                                 "value": 1500}])
    ends = proposal.voting_ends_at

    def work(i):
        if i == 0:
            # the close runs at the deadline while the others vote just before it
            services.proposal_close(proposal=proposal, now=ends)
        else:
            services.ballot_cast(user=members[i].user, proposal=proposal, choice="yes", now=ends - timedelta(seconds=1))

    errors = _run(THREADS, work)
    assert set(errors) <= {"voting_closed"}
    proposal.refresh_from_db()
    assert proposal.status in ("adopted", "failed_quorum", "rejected")
    assert proposal.yes_count == Ballot.objects.filter(proposal=proposal).count() == THREADS - 1 - len(errors)
