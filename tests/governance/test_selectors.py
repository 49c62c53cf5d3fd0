"""coop/governance/selectors.py: who sees which proposal, the diff as shown, the tally and its
secrecy, a member's own vote, time left and the voting rules in force."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from coop.core.errors import NotFound
from coop.governance import selectors, services
from coop.governance.models import Proposal
from tests.factories import CoopFactory, UserFactory, member, proposal_in_discussion, proposal_voting, steward, voter

pytestmark = pytest.mark.django_db

FLOOR_UP = [{"kind": "parameter", "name": "floor_hourly_rate", "value": 1500}]


@pytest.fixture
def coop_vote():
    coop = CoopFactory()
    author, a, b = voter(coop), voter(coop), voter(coop)
    proposal = proposal_voting(author=author.user, changes=FLOOR_UP)
    return coop, author, a, b, proposal


def test_proposals_visible_scope_and_drafts(coop_vote):
    coop, author, a, _b, proposal = coop_vote
    draft = services.proposal_create(author=author.user, title="Not yet", changes=FLOOR_UP)
    assert set(selectors.proposals_visible(user=author.user)) == {proposal, draft}
    assert list(selectors.proposals_visible(user=a.user)) == [proposal]  # another's draft is hidden
    assert not selectors.proposals_visible(user=member().user).exists()  # another coop's member
    assert not selectors.proposals_visible(user=UserFactory()).exists()
    groups = selectors.proposals_grouped(user=author.user)
    assert groups["voting"] == [proposal] and groups["drafts"] == [draft] and groups["closed"] == []


def test_proposal_get_is_a_404_outside_the_scope(coop_vote):
    _coop, _author, a, _b, proposal = coop_vote
    assert selectors.proposal_get(user=a.user, pk=proposal.pk) == proposal
    with pytest.raises(NotFound):
        selectors.proposal_get(user=member().user, pk=proposal.pk)


def test_proposal_diff_shows_parameter_and_article_rows():
    coop = CoopFactory()
    author = voter(coop)
    proposal = services.proposal_create(author=author.user, title="Two changes", changes=FLOOR_UP + [
        {"kind": "article", "number": 9, "title": "Care", "body": "Members look after each other."},
        {"kind": "data_category", "category": "adult_content", "action": "ban"}])
    rows = selectors.proposal_diff(proposal=proposal)
    assert [r["kind"] for r in rows] == ["parameter", "article", "data_category"]
    assert rows[0]["proposed"] == 1500 and rows[0]["key"] == "floor_hourly_rate" and not rows[0]["voting_rule"]
    assert rows[1]["label"] == "Article 9"
    assert (rows[2]["label"], rows[2]["current"], rows[2]["proposed"]) == ("adult content", "allowed", "banned")


def test_open_ballot_tally_is_live_and_summarised(coop_vote):
    _coop, author, a, b, proposal = coop_vote
    services.ballot_cast(user=a.user, proposal=proposal, choice="yes")
    services.ballot_cast(user=b.user, proposal=proposal, choice="no")
    assert selectors.tally_count(proposal=proposal) == {"yes": 1, "no": 1, "abstain": 0}
    summary = selectors.tally_summary(proposal=proposal)
    assert summary["cast"] == 2 and summary["eligible"] == 3 and summary["turnout_pct"] == 66
    assert [v.voter_id for v in selectors.votes_public(proposal=proposal)] == sorted([a.user_id, b.user_id])
    assert selectors.my_vote(proposal=proposal, user=a.user) == {"eligible": True, "voted": True, "choice": "yes"}
    assert selectors.my_vote(proposal=proposal, user=author.user) == {"eligible": True, "voted": False,
                                                                     "choice": None}
    assert selectors.my_vote(proposal=proposal, user=AnonymousUser())["eligible"] is False


def test_secret_ballot_tally_is_hidden_while_open():
    coop = CoopFactory()
    author, a = voter(coop), voter(coop)
    proposal = proposal_voting(author=author.user, changes=FLOOR_UP, secret=True)
    services.ballot_cast(user=a.user, proposal=proposal, choice="yes")
    assert selectors.tally_visible(proposal=proposal) is None
    assert selectors.tally_summary(proposal=proposal) is None
    assert selectors.votes_public(proposal=proposal) == []
    assert [v.user_id for v in selectors.voters_who_voted(proposal=proposal)] == [a.user_id]


def test_time_left_counts_to_the_current_deadline():
    coop = CoopFactory()
    author = voter(coop)
    proposal = proposal_in_discussion(author=author.user, changes=FLOOR_UP)
    now = timezone.now()
    assert selectors.time_left(proposal=proposal, now=now) == proposal.discussion_ends_at - now
    assert selectors.time_left(proposal=proposal, now=proposal.discussion_ends_at + timedelta(days=1)) == timedelta(0)
    assert selectors.time_left(proposal=Proposal(status=Proposal.Status.DRAFT)) is None


def test_propose_choices_only_for_active_members_and_stewards_get_federation_parameters():
    coop = CoopFactory()
    boss, plain = steward(coop), member(coop)
    assert selectors.propose_choices(user=UserFactory()) is None
    for_member = selectors.propose_choices(user=plain.user)
    assert for_member["federation_parameters"] == []
    assert [m.pk for m in for_member["recallable"]] == [boss.pk]
    assert plain.pk in [m.pk for m in for_member["electable"]]
    assert selectors.propose_choices(user=boss.user)["federation_parameters"]


def test_voting_rules_of_a_coop_and_of_the_federation():
    coop = CoopFactory(params={"quorum_pct": 40})
    version, rules = selectors.voting_rules(coop=coop)
    assert version == 1 and rules["quorum_pct"] == 40
    fed_version, fed_rules = selectors.voting_rules(coop=None)
    assert fed_version == selectors.federation_rulebook_latest().number
    assert set(fed_rules) == set(rules)
