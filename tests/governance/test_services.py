from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Notice
from coop.core.errors import DomainError
from coop.eventlog.models import Event
from coop.federation.models import Membership, RulebookVersion
from coop.federation.selectors import federation_bounds, rulebook_in_force
from coop.governance import selectors, services
from coop.governance.counting import count_votes
from coop.governance.models import Ballot, EligibleVoter, Proposal
from tests.factories import CoopFactory, deadline_pass, member, proposal_in_discussion, proposal_voting, steward, voter

pytestmark = pytest.mark.django_db

FLOOR_UP = [{"kind": "parameter", "name": "floor_hourly_rate", "value": 1500}]
NEW_ARTICLE = [{"kind": "article", "number": 7, "title": "Care", "body": "Members look after each other."}]


def _events(proposal, *types):
    return list(Event.objects.filter(subject_type="governance.proposal", subject_id=str(proposal.pk),
                                     type__in=types).order_by("id"))


def _close_after_deadline(proposal):
    return services.proposal_close(proposal=deadline_pass(proposal))


def test_proposal_lifecycle_adopts_and_creates_the_next_rulebook_version():
    coop = CoopFactory()
    author, a, b = voter(coop), voter(coop), voter(coop)
    now = timezone.now()

    proposal = services.proposal_create(author=author.user, title="Raise the floor rate", body="Fair pay.",
                                        changes=FLOOR_UP)
    assert proposal.status == "draft" and proposal.based_on_version == 1
    change = proposal.changes.get()
    assert (change.kind, change.key, change.current, change.proposed) == ("parameter", "floor_hourly_rate", 1200, 1500)

    services.proposal_submit(author=author.user, proposal=proposal, now=now)
    proposal.refresh_from_db()
    assert proposal.status == "discussion" and proposal.discussion_ends_at == now + timedelta(days=3)
    with pytest.raises(DomainError) as info:
        services.proposal_voting_open(proposal=proposal, now=now + timedelta(days=3) - timedelta(seconds=1))
    assert info.value.code == "discussion_not_over"

    opened = now + timedelta(days=3)
    services.proposal_voting_open(proposal=proposal, now=opened)
    proposal.refresh_from_db()
    assert proposal.status == "voting" and proposal.voting_ends_at == opened + timedelta(days=7)
    rules = (proposal.eligible_count, proposal.quorum_pct, proposal.threshold_pct, proposal.rules_version)
    assert rules == (3, 20, 50, 1)
    assert set(EligibleVoter.objects.filter(proposal=proposal).values_list("user_id", flat=True)) == {
        author.user_id, a.user_id, b.user_id}

    services.ballot_cast(user=a.user, proposal=proposal, choice="yes", now=opened)
    services.ballot_cast(user=b.user, proposal=proposal, choice="no", now=opened)
    services.ballot_cast(user=author.user, proposal=proposal, choice="yes", now=opened)
    with pytest.raises(DomainError) as info:
        services.proposal_close(proposal=proposal, now=opened + timedelta(days=6))
    assert info.value.code == "voting_not_over"

    closed = services.proposal_close(proposal=proposal, now=opened + timedelta(days=7))
    assert closed.status == "adopted" and (closed.yes_count, closed.no_count, closed.abstain_count) == (2, 1, 0)
    assert closed.closed_at == closed.voting_ends_at and closed.created_version == 2
    version = RulebookVersion.objects.get(coop=coop, number=2)
    assert version.adopted_by_proposal_id == proposal.pk and version.parameters["floor_hourly_rate"] == 1500
    assert [a.number for a in version.articles.all()] == [1, 2, 3, 4, 5, 6]  # the articles carry over
    closed_event = _events(proposal, "proposal.closed")[0].payload_json
    assert closed_event["outcome"] == "adopted" and closed_event["created_version"] == 2
    assert [e.type for e in _events(proposal, "proposal.created", "proposal.discussion_opened",
                                     "proposal.voting_opened", "proposal.closed")] == [
        "proposal.created", "proposal.discussion_opened", "proposal.voting_opened", "proposal.closed"]


def test_adoption_is_effective_after_it_and_older_decisions_keep_their_version():
    coop = CoopFactory()
    members = [voter(coop) for _ in range(3)]
    before = timezone.now()
    proposal = proposal_voting(author=members[0].user, changes=FLOOR_UP)
    for m in members:
        services.ballot_cast(user=m.user, proposal=proposal, choice="yes")
    _close_after_deadline(proposal)

    assert rulebook_in_force(coop=coop)["floor_hourly_rate"] == 1500
    assert rulebook_in_force(coop=coop).version == 2
    assert rulebook_in_force(coop=coop, at=before).version == 1  # what was decided before used v1
    assert rulebook_in_force(coop=coop, at=before)["floor_hourly_rate"] == 1200


@pytest.mark.parametrize("votes, eligible, outcome", [
    # quorum 20 % of 10 eligible = 2 votes, abstentions count for quorum
    (["yes", "abstain"], 10, "adopted"),  # exactly at quorum
    (["yes"], 10, "failed_quorum"),  # one below
    (["yes", "no"], 10, "rejected"),  # a tie is not more than 50 %
    (["yes", "yes", "no"], 10, "adopted"),
    (["abstain", "abstain"], 10, "rejected"),  # quorum met, nobody in favour
])
def test_proposal_close_counts_quorum_and_threshold_at_the_edges(votes, eligible, outcome):
    coop = CoopFactory()
    members = [voter(coop) for _ in range(eligible)]
    proposal = proposal_voting(author=members[0].user, changes=FLOOR_UP)
    for m, choice in zip(members, votes, strict=False):
        services.ballot_cast(user=m.user, proposal=proposal, choice=choice)
    assert _close_after_deadline(proposal).status == outcome


@pytest.mark.parametrize("yes, no, outcome", [(2, 1, "adopted"), (4, 2, "adopted"), (3, 2, "rejected"),
                                              (1, 1, "rejected")])
def test_articles_need_a_supermajority_of_two_thirds(yes, no, outcome):
    coop = CoopFactory()
    members = [voter(coop) for _ in range(yes + no)]
    proposal = proposal_voting(author=members[0].user, changes=NEW_ARTICLE)
    assert proposal.needs_supermajority
    for i, m in enumerate(members):
        services.ballot_cast(user=m.user, proposal=proposal, choice="yes" if i < yes else "no")
    closed = _close_after_deadline(proposal)
    assert closed.status == outcome
    if outcome == "adopted":
        article = rulebook_in_force(coop=coop).articles[-1]
        assert (article.number, article.title) == (7, "Care")


def test_voting_rules_need_a_supermajority_and_other_parameters_do_not():
    coop = CoopFactory()
    author = voter(coop).user
    rule = services.proposal_create(author=author, title="Longer votes", changes=[
        {"kind": "parameter", "name": "voting_days", "value": 10}])
    plain = services.proposal_create(author=author, title="Higher floor", changes=FLOOR_UP)
    assert rule.needs_supermajority and not plain.needs_supermajority


def test_count_votes_reference_cases():
    # written by hand from DESIGN.md seam 14
    kw = {"quorum_pct": 20, "threshold_pct": 50, "supermajority": "2/3"}
    assert count_votes(eligible=5, yes=1, no=0, abstain=0, needs_supermajority=False, **kw).outcome == "adopted"
    assert count_votes(eligible=6, yes=1, no=0, abstain=0, needs_supermajority=False, **kw).outcome == "failed_quorum"
    assert count_votes(eligible=3, yes=2, no=1, abstain=9, needs_supermajority=True, **kw).outcome == "adopted"
    assert count_votes(eligible=3, yes=1, no=1, abstain=0, needs_supermajority=False,
                       quorum_pct=20, threshold_pct=49, supermajority="2/3").outcome == "adopted"
    assert count_votes(eligible=0, yes=0, no=0, abstain=0, needs_supermajority=True, **kw).outcome == "rejected"


def test_ballot_cast_changes_the_vote_until_the_close():
    coop = CoopFactory()
    a, b = voter(coop), voter(coop)
    proposal = proposal_voting(author=a.user, changes=FLOOR_UP)
    services.ballot_cast(user=a.user, proposal=proposal, choice="yes")
    services.ballot_cast(user=a.user, proposal=proposal, choice="no")
    services.ballot_cast(user=a.user, proposal=proposal, choice="no")  # same again: nothing new
    assert list(Ballot.objects.filter(proposal=proposal).values_list("voter_id", "choice")) == [(a.user_id, "no")]
    assert [e.type for e in _events(proposal, "ballot.cast", "ballot.changed")] == ["ballot.cast", "ballot.changed"]
    services.ballot_cast(user=b.user, proposal=proposal, choice="abstain")
    assert selectors.tally_count(proposal=proposal) == {"yes": 0, "no": 1, "abstain": 1}


def test_ballot_cast_refuses_late_votes_and_bad_choices():
    coop = CoopFactory()
    a, b = voter(coop), voter(coop)
    proposal = proposal_voting(author=a.user, changes=FLOOR_UP)
    with pytest.raises(DomainError) as info:
        services.ballot_cast(user=a.user, proposal=proposal, choice="maybe")
    assert info.value.code == "invalid_choice"
    with pytest.raises(DomainError) as info:  # the deadline passed: refused even before the close job ran
        services.ballot_cast(user=a.user, proposal=proposal, choice="yes", now=proposal.voting_ends_at)
    assert info.value.code == "voting_closed"
    _close_after_deadline(proposal)
    with pytest.raises(DomainError) as info:
        services.ballot_cast(user=b.user, proposal=proposal, choice="yes")
    assert info.value.code == "voting_closed"
    assert not Ballot.objects.filter(proposal=proposal).exists()


def test_only_members_participating_when_voting_opened_may_vote():
    coop = CoopFactory()
    a = voter(coop)
    idle = member(coop)  # active but no participation in the window
    proposal = proposal_voting(author=a.user, changes=FLOOR_UP)
    late = voter(coop)  # joined after voting opened
    other = voter(CoopFactory())
    for m in (idle, late, other):
        with pytest.raises(DomainError) as info:
            services.ballot_cast(user=m.user, proposal=proposal, choice="yes")
        assert info.value.code == "not_eligible"
    assert proposal.eligible_count == 1


def test_a_member_suspended_after_opening_cannot_vote():
    coop = CoopFactory()
    a, b = voter(coop), voter(coop)
    proposal = proposal_voting(author=a.user, changes=FLOOR_UP)
    Membership.objects.filter(pk=b.pk).update(status="suspended")
    with pytest.raises(DomainError) as info:
        services.ballot_cast(user=b.user, proposal=proposal, choice="yes")
    assert info.value.code == "membership_not_active"


def test_one_ballot_per_member_is_enforced_by_the_database():
    coop = CoopFactory()
    a = voter(coop)
    proposal = proposal_voting(author=a.user, changes=FLOOR_UP)
    services.ballot_cast(user=a.user, proposal=proposal, choice="yes")
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(proposal=proposal, voter=a.user, coop=coop, choice="no")


def test_secret_ballot_hides_the_tally_and_is_not_linkable_after_close():
    from coop.governance import selectors

    coop = CoopFactory()
    members = [voter(coop) for _ in range(4)]
    proposal = proposal_voting(author=members[0].user, changes=FLOOR_UP, secret=True)
    for m, choice in zip(members, ["yes", "no", "yes", "abstain"], strict=True):
        services.ballot_cast(user=m.user, proposal=proposal, choice=choice)
    services.ballot_cast(user=members[1].user, proposal=proposal, choice="yes")  # changed
    open_ids = {str(pk) for pk in Ballot.objects.filter(proposal=proposal).values_list("pk", flat=True)}
    assert selectors.tally_visible(proposal=proposal) is None  # hidden until close
    assert selectors.my_vote(proposal=proposal, user=members[1].user)["choice"] == "yes"

    closed = _close_after_deadline(proposal)

    assert (closed.status, closed.yes_count, closed.no_count, closed.abstain_count) == ("adopted", 3, 0, 1)
    rows = list(Ballot.objects.filter(proposal=proposal).values("id", "voter_id", "cast_at", "choice"))
    assert sorted(r["choice"] for r in rows) == ["abstain", "yes", "yes", "yes"]
    assert all(r["voter_id"] is None and r["cast_at"] is None for r in rows)
    assert not open_ids & {str(r["id"]) for r in rows}  # new random ids
    # who voted remains, without choices
    assert set(EligibleVoter.objects.filter(proposal=proposal, voted=True).values_list("user_id", flat=True)) == {
        m.user_id for m in members}
    # the event log: no ballot id and no choice in any payload of this vote
    for event in Event.objects.all():
        payload = event.payload_json
        if event.type.startswith("ballot."):
            assert set(payload) == {"proposal", "actor"}
        raw = bytes(event.payload).decode()
        assert not any(ballot_id in raw for ballot_id in open_ids | {str(r["id"]) for r in rows})
    assert selectors.my_vote(proposal=proposal, user=members[1].user) == {
        "eligible": True, "voted": True, "choice": None}


def test_open_ballot_events_carry_no_ballot_id_or_choice_either():
    coop = CoopFactory()
    a = voter(coop)
    proposal = proposal_voting(author=a.user, changes=FLOOR_UP)
    services.ballot_cast(user=a.user, proposal=proposal, choice="yes")
    assert _events(proposal, "ballot.cast")[0].payload_json == {"proposal": proposal.pk, "actor": a.user_id}


def test_proposal_create_checks_types_and_federation_bounds():
    coop = CoopFactory()
    author = voter(coop).user
    cases = [
        ([{"kind": "parameter", "name": "floor_hourly_rate", "value": 1000}], "invalid_parameter"),  # below min
        ([{"kind": "parameter", "name": "floor_hourly_rate", "value": "lots"}], "invalid_parameter"),
        ([{"kind": "parameter", "name": "jury_size", "value": 4}], "invalid_parameter"),  # odd only
        ([{"kind": "parameter", "name": "quorum_pct", "value": 2}], "invalid_parameter"),  # range 5..100
        ([{"kind": "parameter", "name": "federation_share_bps", "value": 1000}], "invalid_parameter"),
        ([{"kind": "parameter", "name": "no_such_rule", "value": 1}], "unknown_parameter"),
        ([{"kind": "parameter", "name": "floor_hourly_rate", "value": 1200}], "no_change"),
        (FLOOR_UP + FLOOR_UP, "duplicate_change"),
        ([{"kind": "data_category", "category": "adult_content", "action": "allow"}], "no_change"),
        ([{"kind": "no_such_kind"}], "unknown_change"),
        ([{"kind": "qualification_rule", "qualification": 999, "rule": {}}], "invalid_qualification"),
        ([{"kind": "article", "number": 2, "title": "", "body": ""}], "invalid_article"),
        ([], "resolution_needs_text"),
    ]
    for changes, code in cases:
        with pytest.raises(DomainError) as info:
            services.proposal_create(author=author, title="A proposal", body="short", changes=changes)
        assert info.value.code == code, changes
    assert not Proposal.objects.exists()


def test_proposal_create_refuses_non_members_and_federation_proposals_by_members():
    coop = CoopFactory()
    outsider = member(coop, status="left")
    with pytest.raises(DomainError) as info:
        services.proposal_create(author=outsider.user, title="Hello there", changes=FLOOR_UP)
    assert info.value.code == "not_member"
    with pytest.raises(DomainError) as info:
        services.proposal_create(author=voter(coop).user, title="Federation floor", changes=FLOOR_UP,
                                 federation=True)
    assert info.value.code == "steward_only"


def test_a_plain_resolution_changes_no_rulebook():
    coop = CoopFactory()
    a = voter(coop)
    proposal = proposal_voting(author=a.user, title="We thank our stewards",
                               body="The members thank the stewards for a year of work.")
    services.ballot_cast(user=a.user, proposal=proposal, choice="yes")
    closed = _close_after_deadline(proposal)
    assert closed.status == "adopted" and closed.created_version is None
    assert RulebookVersion.objects.filter(coop=coop).count() == 1


def test_data_category_ban_changes_the_banned_list():
    coop = CoopFactory()
    a = voter(coop)
    proposal = proposal_voting(author=a.user, changes=[
        {"kind": "data_category", "category": "adult_content", "action": "ban"}])
    services.ballot_cast(user=a.user, proposal=proposal, choice="yes")
    _close_after_deadline(proposal)
    assert rulebook_in_force(coop=coop)["banned_data_categories"] == ["adult_content"]


def test_steward_elected_and_recalled_by_adopted_proposals():
    coop = CoopFactory()
    old = steward(coop)
    from tests.factories.governance import voter as participating

    a = participating(coop)
    proposal = proposal_voting(author=a.user, changes=[{"kind": "steward_elect", "membership": a.pk},
                                                       {"kind": "steward_recall", "membership": old.pk}])
    services.ballot_cast(user=a.user, proposal=proposal, choice="yes")
    _close_after_deadline(proposal)
    a.refresh_from_db()
    old.refresh_from_db()
    assert (a.role, old.role, old.status) == ("steward", "member", "active")
    assert Event.objects.filter(type="steward.elected", subject_id=str(a.pk)).exists()
    assert Event.objects.filter(type="steward.recalled", subject_id=str(old.pk)).exists()


def test_steward_election_is_skipped_when_the_member_left_meanwhile():
    coop = CoopFactory()
    a, b = voter(coop), voter(coop)
    proposal = proposal_voting(author=a.user, changes=[{"kind": "steward_elect", "membership": b.pk}])
    services.ballot_cast(user=a.user, proposal=proposal, choice="yes")
    Membership.objects.filter(pk=b.pk).update(status="left")
    closed = _close_after_deadline(proposal)
    assert closed.status == "adopted" and closed.changes.get().skipped == "member_not_active"


def test_proposal_withdraw_before_voting_only_by_its_author():
    coop = CoopFactory()
    a, b = voter(coop), voter(coop)
    proposal = proposal_in_discussion(author=a.user, changes=FLOOR_UP)
    with pytest.raises(DomainError) as info:
        services.proposal_withdraw(author=b.user, proposal=proposal)
    assert info.value.code == "not_author"
    assert services.proposal_withdraw(author=a.user, proposal=proposal).status == "withdrawn"
    voting = proposal_voting(author=a.user, changes=FLOOR_UP)
    with pytest.raises(DomainError) as info:
        services.proposal_withdraw(author=a.user, proposal=voting)
    assert info.value.code == "cannot_withdraw"


def test_voting_opens_with_a_notice_and_reminds_a_day_before_the_close():
    coop = CoopFactory()
    a, b = voter(coop), voter(coop)
    proposal = proposal_voting(author=a.user, changes=FLOOR_UP)
    assert Notice.objects.filter(kind="vote", user__in=[a.user, b.user]).count() == 2
    services.ballot_cast(user=a.user, proposal=proposal, choice="yes")
    assert services.proposal_remind(proposal=proposal, now=proposal.voting_ends_at - timedelta(days=2)) == 0
    assert services.proposal_remind(proposal=proposal, now=proposal.voting_ends_at - timedelta(hours=23)) == 1
    assert services.proposal_remind(proposal=proposal, now=proposal.voting_ends_at - timedelta(hours=22)) == 0
    assert Notice.objects.filter(kind="vote", user=b.user).count() == 2
    assert Notice.objects.filter(kind="vote", user=a.user).count() == 1  # a already voted


def test_federation_wide_proposal_counts_all_coops_and_raises_the_bound():
    tana, lagos = CoopFactory(), CoopFactory()
    s = steward(tana)
    from coop.eventlog.services import event_record

    event_record(type="steward.appointed", coop=tana, actor=s.user, subject=s, payload={})
    tana_members = [voter(tana) for _ in range(2)]
    lagos_members = [voter(lagos) for _ in range(3)]
    proposal = proposal_voting(author=s.user, federation=True, changes=FLOOR_UP)
    assert proposal.coop_id is None and proposal.eligible_count == 6
    for m in tana_members + lagos_members[:1]:
        services.ballot_cast(user=m.user, proposal=proposal, choice="yes")
    services.ballot_cast(user=lagos_members[1].user, proposal=proposal, choice="no")
    closed = _close_after_deadline(proposal)
    assert closed.status == "adopted" and closed.created_version == 2
    assert federation_bounds()["floor_hourly_rate"] == 1500
    for coop in (tana, lagos):  # brought within the new bound, citing the proposal
        book = rulebook_in_force(coop=coop)
        assert book["floor_hourly_rate"] == 1500 and book.record.adopted_by_proposal_id == proposal.pk

    from coop.governance.selectors import results_per_coop

    rows = {r["coop"].pk: r for r in results_per_coop(proposal=closed)}
    assert (rows[tana.pk]["eligible"], rows[tana.pk]["yes"]) == (3, 2)
    assert (rows[lagos.pk]["eligible"], rows[lagos.pk]["yes"], rows[lagos.pk]["no"]) == (3, 1, 1)


def test_federation_bound_must_be_a_valid_bound():
    coop = CoopFactory()
    s = steward(coop)
    with pytest.raises(DomainError) as info:
        services.proposal_create(author=s.user, title="Quorum range", federation=True, changes=[
            {"kind": "parameter", "name": "quorum_pct", "value": [60, 10]}])
    assert info.value.code == "invalid_parameter"
    with pytest.raises(DomainError) as info:
        services.proposal_create(author=s.user, title="An article", federation=True, changes=NEW_ARTICLE)
    assert info.value.code == "change_not_allowed"


def test_qualification_rule_change_publishes_the_next_version_on_adoption():
    from tests.factories import SENIOR_RULE, computed_qualification

    coop = CoopFactory()
    a = voter(coop)
    qualification = computed_qualification(coop)
    stricter = {"all": [{"metric": "tenure_days", "op": ">=", "value": 60},
                        {"metric": "languages", "op": "has", "value": "fr"}]}
    with pytest.raises(DomainError) as info:
        services.proposal_create(author=a.user, title="Same rule", changes=[
            {"kind": "qualification_rule", "qualification": qualification.pk, "rule": SENIOR_RULE}])
    assert info.value.code == "no_change"
    proposal = proposal_voting(author=a.user, changes=[
        {"kind": "qualification_rule", "qualification": qualification.pk, "rule": stricter}])
    services.ballot_cast(user=a.user, proposal=proposal, choice="yes")
    assert _close_after_deadline(proposal).status == "adopted"
    qualification.refresh_from_db()
    assert qualification.current_version.number == 2
    assert qualification.current_version.rule["all"][0]["value"] == 60
    published = Event.objects.get(type="qualification.version_published", subject_id=str(qualification.pk))
    assert published.payload_json["proposal"] == proposal.pk
