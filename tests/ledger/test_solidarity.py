"""The solidarity fund (issue 23 part 1): given / when / then through the services, with the
ledger's invariants (postings sum to zero, balances equal postings, nothing paid twice, bad input
changes nothing) and the privacy of the statement."""

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from coop.core.errors import DomainError
from coop.eventlog.models import Event
from coop.governance import services as governance
from coop.governance.models import Proposal
from ledger import selectors, services
from ledger.jobs import solidarity_fee_shares
from ledger.models import Account, Balance, HardshipApplication, Posting, Transaction
from ledger.services.hardship import hardship_apply, hardship_approve, hardship_refuse
from ledger.services.solidarity import fee_income, solidarity_contribute, solidarity_fee_share_move
from ledger.treasury import treasury_contribution_record
from tests.factories import CoopFactory, funded_organisation, member, operator, project_stub, steward
from tests.factories.governance import deadline_pass, voter

pytestmark = pytest.mark.django_db

STATEMENT = "I broke my leg falling from a moto-taxi and cannot work for six weeks."


def books_balance():
    """Every transaction sums to zero with two or more postings; every balance equals its postings."""
    for tx in Transaction.objects.all():
        lines = list(tx.postings.values_list("amount", flat=True))
        assert len(lines) >= 2 and sum(lines) == 0, tx
    posted = dict(Posting.objects.values("account_id").annotate(t=Sum("amount")).values_list("account_id", "t"))
    for balance in Balance.objects.all():
        assert balance.amount == posted.get(balance.pk, 0), balance


def counts():
    return (Transaction.objects.count(), Posting.objects.count(), Event.objects.count(),
            HardshipApplication.objects.count())


@pytest.fixture
def coop():
    return CoopFactory(params={"solidarity_steward_grant_max": 5000, "solidarity_fund_bps": 1000})


@pytest.fixture
def stewards(coop):
    return [steward(coop).user, steward(coop).user]


def wallet_fill(user, amount):
    """Money into a member's wallet the way the marketplace does: a bonus from a requester."""
    org = funded_organisation(amount, operator=operator())
    services.bonus_pay(organisation=org, user=user, amount=amount, key=f"fill:{user.pk}:{amount}")


def fund_fill(coop, amount):
    giver = member(coop).user
    wallet_fill(giver, amount)
    return solidarity_contribute(user=giver, amount=amount, key="fill")


# --- contributions ---------------------------------------------------------------------------

def test_solidarity_contribute_moves_wallet_money_into_the_fund_once_per_key(coop):
    giver = member(coop).user
    wallet_fill(giver, 3000)
    first = solidarity_contribute(user=giver, amount=1200, key="nonce-1")
    again = solidarity_contribute(user=giver, amount=1200, key="nonce-1")
    assert again.pk == first.pk
    assert selectors.wallet_balance(user=giver) == 1800
    assert selectors.solidarity_fund_balance(coop=coop) == 1200
    assert first.kind == Transaction.Kind.SOLIDARITY_CONTRIBUTION
    event = Event.objects.get(pk=first.event_id)
    assert event.type == "ledger.solidarity_contributed" and event.payload_json["amount"] == 1200
    books_balance()


def test_solidarity_contribute_more_than_the_wallet_holds_changes_nothing(coop):
    giver = member(coop).user
    wallet_fill(giver, 500)
    before = counts()
    with pytest.raises(DomainError) as err:
        solidarity_contribute(user=giver, amount=501, key="too-much")
    assert err.value.code == "insufficient_funds"
    assert counts() == before and selectors.wallet_balance(user=giver) == 500


@pytest.mark.parametrize("amount", [0, -5, 1.5, "10", True])
def test_solidarity_contribute_bad_amount_is_refused(coop, amount):
    giver = member(coop).user
    wallet_fill(giver, 500)
    before = counts()
    with pytest.raises(DomainError) as err:
        solidarity_contribute(user=giver, amount=amount, key="bad")
    assert err.value.code == "invalid_amount" and counts() == before


def test_the_fund_is_split_into_sub_accounts_like_the_treasury(coop):
    giver = member(coop).user
    wallet_fill(giver, 10_000)
    for n in range(12):
        solidarity_contribute(user=giver, amount=100, key=f"n{n}")
    shards = set(Account.objects.filter(kind=Account.Kind.SOLIDARITY_FUND, owner_id=coop.pk)
                 .values_list("shard", flat=True))
    assert len(shards) > 1
    assert selectors.solidarity_fund_balance(coop=coop) == 1200


# --- the voted share of fee income ------------------------------------------------------------

def _release(coop, fee_coop=500):
    op = operator()
    org = funded_organisation(100_000, operator=op)
    project = project_stub(coop, org)
    services.escrow_hold(project=project, amount=10_000 + fee_coop, key=f"project:{project.pk}:hold:1")
    worker = member(coop).user
    return services.escrow_release(project=project, user=worker, reward=10_000, fee_coop=fee_coop,
                                   fee_federation=0, fee_juror=0, key=f"assignment:{project.pk}:release")


def test_fee_share_moves_the_voted_share_of_the_days_fee_income_once(coop):
    _release(coop, fee_coop=500)
    _release(coop, fee_coop=730)
    today = timezone.now().date()
    assert fee_income(coop_id=coop.pk, day=today) == 1230
    tx = solidarity_fee_share_move(coop=coop, day=today)
    assert tx.kind == Transaction.Kind.SOLIDARITY_FEE_SHARE
    assert selectors.solidarity_fund_balance(coop=coop) == 123  # 10 % of 1230, rounded down
    assert selectors.coop_fund_balances(coop=coop)["treasury"] == 1230 - 123
    assert solidarity_fee_share_move(coop=coop, day=today).pk == tx.pk
    assert solidarity_fee_share_move(coop=coop.pk, day=today).pk == tx.pk  # by its id too
    assert selectors.solidarity_fund_balance(coop=coop) == 123
    payload = Event.objects.get(pk=tx.event_id).payload_json
    assert payload["income"] == 1230 and payload["bps"] == 1000 and payload["amount"] == 123
    books_balance()


def test_fee_share_counts_a_corrected_release_out_of_the_days_income(coop):
    """The operator reverses a release (ledger.services.corrections): its fee leaves the treasury
    that day, and the day's income the fund takes its share of is net of it; a day whose
    corrections exceed its releases moves nothing."""
    from ledger.services.corrections import transaction_reverse

    first = _release(coop, fee_coop=500)
    _release(coop, fee_coop=730)
    transaction_reverse(operator=operator(), transaction=first, reason="released twice by mistake")
    today = timezone.now().date()
    assert fee_income(coop_id=coop.pk, day=today) == 730
    solidarity_fee_share_move(coop=coop, day=today)
    assert selectors.solidarity_fund_balance(coop=coop) == 73
    books_balance()


def test_fee_share_of_a_release_corrected_the_same_day_moves_nothing():
    from ledger.services.corrections import transaction_reverse

    coop = CoopFactory()
    first = _release(coop, fee_coop=500)
    transaction_reverse(operator=operator(), transaction=first, reason="wrong project")
    assert fee_income(coop_id=coop.pk, day=timezone.now().date()) == 0
    assert solidarity_fee_share_move(coop=coop, day=timezone.now().date()) is None


def test_fee_share_counts_releases_only_not_contributions_to_the_treasury(coop):
    treasury_contribution_record(operator=operator(), coop=coop, amount=50_000, reference="dues")
    assert solidarity_fee_share_move(coop=coop, day=timezone.now().date()) is None
    assert selectors.solidarity_fund_balance(coop=coop) == 0


def test_fee_share_of_zero_voted_moves_nothing():
    coop = CoopFactory(params={"solidarity_fund_bps": 0})
    _release(coop)
    assert solidarity_fee_share_move(coop=coop, day=timezone.now().date()) is None
    assert Transaction.objects.filter(kind=Transaction.Kind.SOLIDARITY_FEE_SHARE).count() == 0


def test_fee_share_job_catches_up_on_the_last_days_and_runs_twice_harmlessly(coop):
    _release(coop, fee_coop=1000)
    tomorrow = timezone.now() + timedelta(days=1)
    assert solidarity_fee_shares(now=tomorrow)["moved"] == 1
    assert solidarity_fee_shares(now=tomorrow)["failed"] == 0
    assert Transaction.objects.filter(kind=Transaction.Kind.SOLIDARITY_FEE_SHARE).count() == 1
    assert selectors.solidarity_fund_balance(coop=coop) == 100


# --- applications and grants by two stewards -----------------------------------------------------

def test_hardship_small_grant_needs_two_different_stewards_then_pays_the_wallet(coop, stewards):
    fund_fill(coop, 10_000)
    applicant = member(coop).user
    application = hardship_apply(user=applicant, reason="injury", statement=STATEMENT, amount=4000)
    first = hardship_approve(steward=stewards[0], application=application)
    assert first.status == HardshipApplication.Status.AWAITING_SECOND
    assert selectors.wallet_balance(user=applicant) == 0
    with pytest.raises(DomainError) as err:
        hardship_approve(steward=stewards[0], application=application)
    assert err.value.code == "four_eyes"
    granted = hardship_approve(steward=stewards[1], application=application)
    assert granted.status == HardshipApplication.Status.GRANTED and granted.decided_via == "stewards"
    assert selectors.wallet_balance(user=applicant) == 4000
    assert selectors.solidarity_fund_balance(coop=coop) == 6000
    tx = granted.grant_transaction
    assert tx.kind == Transaction.Kind.SOLIDARITY_GRANT and tx.key == f"solidarity:application:{application.pk}:grant"
    assert Event.objects.get(pk=tx.event_id).type == "ledger.solidarity_granted"
    with pytest.raises(DomainError) as err:  # decided: a third approval pays nothing
        hardship_approve(steward=stewards[0], application=application)
    assert err.value.code == "application_decided"
    assert Transaction.objects.filter(kind=Transaction.Kind.SOLIDARITY_GRANT).count() == 1
    books_balance()


def test_hardship_grant_larger_than_the_fund_is_refused_and_changes_nothing(coop, stewards):
    fund_fill(coop, 1000)
    application = hardship_apply(user=member(coop).user, reason="illness", statement=STATEMENT, amount=3000)
    hardship_approve(steward=stewards[0], application=application)
    before = counts()
    with pytest.raises(DomainError) as err:
        hardship_approve(steward=stewards[1], application=application)
    assert err.value.code == "insufficient_funds" and err.value.extra["balance"] == 1000
    application.refresh_from_db()
    assert application.status == HardshipApplication.Status.AWAITING_SECOND
    assert counts() == before


def test_hardship_above_the_stewards_limit_cannot_be_granted_by_stewards(coop, stewards):
    fund_fill(coop, 100_000)
    application = hardship_apply(user=member(coop).user, reason="illness", statement=STATEMENT, amount=5001)
    with pytest.raises(DomainError) as err:
        hardship_approve(steward=stewards[0], application=application)
    assert err.value.code == "needs_vote"


def test_a_steward_does_not_decide_their_own_application(coop, stewards):
    application = hardship_apply(user=stewards[0], reason="bereavement", statement=STATEMENT, amount=1000)
    with pytest.raises(DomainError) as err:
        hardship_approve(steward=stewards[0], application=application)
    assert err.value.code == "own_application"


def test_a_member_is_not_a_steward_and_another_coops_steward_neither(coop, stewards):
    application = hardship_apply(user=member(coop).user, reason="no_work", statement=STATEMENT, amount=1000)
    for outsider in (member(coop).user, steward(CoopFactory()).user):
        with pytest.raises(DomainError) as err:
            hardship_approve(steward=outsider, application=application)
        assert err.value.code in ("not_a_steward", "not_yours")


def test_hardship_refuse_by_one_steward_tells_the_member(coop, stewards):
    applicant = member(coop).user
    application = hardship_apply(user=applicant, reason="other", statement=STATEMENT, amount=1000)
    refused = hardship_refuse(steward=stewards[0], application=application, note="Please ask the treasury first.")
    assert refused.status == HardshipApplication.Status.REFUSED
    assert applicant.notices.filter(kind="solidarity").exists()


@pytest.mark.parametrize("field,value,code", [
    ("statement", "too short", "statement_too_short"), ("statement", "", "required"),
    ("reason", "bored", "invalid_reason"), ("amount", 0, "invalid_amount"), ("statement", "a\x00" * 20, "invalid_text"),
])
def test_hardship_apply_bad_input_writes_nothing(coop, field, value, code):
    kwargs = {"reason": "illness", "statement": STATEMENT, "amount": 1000, field: value}
    before = counts()
    with pytest.raises(DomainError) as err:
        hardship_apply(user=member(coop).user, **kwargs)
    assert err.value.code == code and counts() == before


def test_one_open_application_at_a_time(coop):
    applicant = member(coop).user
    hardship_apply(user=applicant, reason="illness", statement=STATEMENT, amount=1000)
    with pytest.raises(DomainError) as err:
        hardship_apply(user=applicant, reason="illness", statement=STATEMENT, amount=900)
    assert err.value.code == "application_open"


def test_no_event_carries_the_statement(coop, stewards):
    fund_fill(coop, 10_000)
    application = hardship_apply(user=member(coop).user, reason="injury", statement=STATEMENT, amount=1000)
    hardship_approve(steward=stewards[0], application=application)
    hardship_approve(steward=stewards[1], application=application)
    for event in Event.objects.filter(type__startswith="solidarity."):
        assert "moto-taxi" not in str(event.payload_json)
    types = set(Event.objects.filter(type__startswith="solidarity.").values_list("type", flat=True))
    assert types == {"solidarity.applied", "solidarity.first_approved", "solidarity.granted"}


# --- larger grants: the members' secret vote with a short deadline --------------------------------

def _vote_case(coop, stewards, amount=20_000):
    fund_fill(coop, 50_000)
    voters = [voter(coop).user for _ in range(4)]
    applicant = member(coop).user
    application = hardship_apply(user=applicant, reason="illness", statement=STATEMENT, amount=amount)
    proposal = governance.hardship_vote_open(steward=stewards[0], application=application)
    return applicant, application, proposal, voters


def test_hardship_vote_opens_a_secret_short_vote_without_the_member_or_statement(coop, stewards):
    applicant, application, proposal, _voters = _vote_case(coop, stewards)
    assert proposal.status == Proposal.Status.VOTING and proposal.secret
    assert proposal.voting_ends_at - proposal.voting_opened_at == timedelta(hours=48)
    text = f"{proposal.title} {proposal.body} {list(proposal.changes.values())}"
    assert "moto-taxi" not in text and applicant.email not in text and applicant.display_name not in text
    application.refresh_from_db()
    assert application.status == HardshipApplication.Status.IN_VOTE and application.proposal_id == proposal.pk


def test_hardship_vote_adopted_pays_the_grant_once(coop, stewards):
    applicant, application, proposal, voters = _vote_case(coop, stewards)
    for v in voters:
        governance.ballot_cast(user=v, proposal=proposal, choice="yes")
    governance.proposal_close(proposal=deadline_pass(proposal))
    governance.proposal_close(proposal=proposal)  # idempotent
    application.refresh_from_db()
    assert application.status == HardshipApplication.Status.GRANTED and application.decided_via == "vote"
    assert selectors.wallet_balance(user=applicant) == 20_000
    assert Transaction.objects.filter(kind=Transaction.Kind.SOLIDARITY_GRANT).count() == 1
    books_balance()


def test_hardship_vote_rejected_refuses_the_application(coop, stewards):
    applicant, application, proposal, voters = _vote_case(coop, stewards)
    for v in voters:
        governance.ballot_cast(user=v, proposal=proposal, choice="no")
    governance.proposal_close(proposal=deadline_pass(proposal))
    application.refresh_from_db()
    assert application.status == HardshipApplication.Status.REFUSED and application.decided_via == "vote"
    assert selectors.wallet_balance(user=applicant) == 0


def test_hardship_vote_adopted_with_a_short_fund_waits_and_a_steward_pays_later(coop, stewards):
    applicant, application, proposal, voters = _vote_case(coop, stewards, amount=80_000)
    for v in voters:
        governance.ballot_cast(user=v, proposal=proposal, choice="yes")
    closed = governance.proposal_close(proposal=deadline_pass(proposal))
    assert closed.status == Proposal.Status.ADOPTED
    application.refresh_from_db()
    assert application.status == HardshipApplication.Status.GRANTED_UNPAID
    fund_fill(coop, 40_000)
    paid = hardship_approve(steward=stewards[1], application=application)
    assert paid.status == HardshipApplication.Status.GRANTED
    assert selectors.wallet_balance(user=applicant) == 80_000
    books_balance()


def test_a_member_cannot_put_an_application_to_a_vote_past_the_stewards(coop, stewards):
    application = hardship_apply(user=member(coop).user, reason="illness", statement=STATEMENT, amount=20_000)
    with pytest.raises(DomainError) as err:
        governance.proposal_create(author=voter(coop).user, title="Grant it", body="Because we should help.",
                                   changes=[{"kind": "solidarity_grant", "application": application.pk}])
    assert err.value.code == "invalid_application"


def test_a_small_application_is_not_put_to_a_vote(coop, stewards):
    application = hardship_apply(user=member(coop).user, reason="illness", statement=STATEMENT, amount=100)
    with pytest.raises(DomainError) as err:
        governance.hardship_vote_open(steward=stewards[0], application=application)
    assert err.value.code == "stewards_decide"
    assert Proposal.objects.count() == 0


# --- what members see ------------------------------------------------------------------------------

def test_public_months_sum_inflows_and_anonymous_grants(coop, stewards):
    fund_fill(coop, 10_000)
    _release(coop, fee_coop=2000)
    solidarity_fee_share_move(coop=coop, day=timezone.now().date())
    application = hardship_apply(user=member(coop).user, reason="injury", statement=STATEMENT, amount=3000)
    hardship_approve(steward=stewards[0], application=application)
    hardship_approve(steward=stewards[1], application=application)
    [month] = selectors.solidarity_months(coop=coop)
    assert (month["fees"], month["contributions"], month["grants"], month["grant_count"]) == (200, 10_000, 3000, 1)
    assert month["balance"] == selectors.solidarity_fund_balance(coop=coop) == 7200
    assert selectors.solidarity_grants_public(coop=coop) == [
        {"decided_at": application.__class__.objects.get(pk=application.pk).decided_at, "amount": 3000,
         "decided_via": "stewards"}]
