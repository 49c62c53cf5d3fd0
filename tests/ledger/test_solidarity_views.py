"""The solidarity fund's pages (issue 23 part 1): members give and ask, see the fund by month and
the grants without names, never anyone's statement; stewards read statements and decide, two of
them for a grant; a large one goes to the members' vote. In French too."""

import pytest
from django.urls import reverse

from coop.governance.models import Proposal
from ledger import selectors
from ledger.models import HardshipApplication, Transaction
from ledger.services.hardship import hardship_apply, hardship_approve
from tests.factories import CoopFactory, member, steward
from tests.factories.governance import voter
from tests.ledger.test_solidarity import STATEMENT, fund_fill, wallet_fill

pytestmark = pytest.mark.django_db


@pytest.fixture
def coop():
    return CoopFactory(params={"solidarity_steward_grant_max": 5000})


def test_member_page_shows_the_fund_the_months_and_anonymous_grants_never_a_statement(
        client, coop, django_assert_max_num_queries):
    fund_fill(coop, 10_000)
    stewards = [steward(coop).user, steward(coop).user]
    applicants = [member(coop).user for _ in range(3)]
    for n, applicant in enumerate(applicants):
        application = hardship_apply(user=applicant, reason="illness", statement=f"{STATEMENT} ({n})", amount=1000)
        hardship_approve(steward=stewards[0], application=application)
        hardship_approve(steward=stewards[1], application=application)
    reader = member(coop).user
    client.force_login(reader)
    with django_assert_max_num_queries(16):  # constant in the number of grants (three here)
        response = client.get(reverse("ledger:solidarity"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "$70.00" in body  # the balance: 100 given, three grants of 10
    assert body.count("granted by two stewards") == 3
    assert "moto-taxi" not in body
    for applicant in applicants:
        assert applicant.display_name not in body and applicant.email not in body


def test_member_gives_from_the_wallet_through_the_page(client, coop):
    giver = member(coop).user
    wallet_fill(giver, 2000)
    client.force_login(giver)
    response = client.post(reverse("ledger:solidarity"), {"give-amount": "5.00", "give-nonce": "form-1"})
    assert response.status_code == 302
    client.post(reverse("ledger:solidarity"), {"give-amount": "5.00", "give-nonce": "form-1"})  # double submit
    assert selectors.solidarity_fund_balance(coop=coop) == 500
    assert selectors.wallet_balance(user=giver) == 1500


def test_member_asks_through_the_page_and_sees_only_amount_and_decision_of_others(client, coop):
    applicant = member(coop).user
    client.force_login(applicant)
    response = client.post(reverse("ledger:solidarity"), {"ask-reason": "injury", "ask-amount": "30.00",
                                                          "ask-statement": STATEMENT})
    assert response.status_code == 302
    application = HardshipApplication.objects.get(user=applicant)
    assert application.amount == 3000 and application.statement == STATEMENT
    mine = client.get(reverse("ledger:solidarity")).content.decode()
    assert "Waiting for the stewards" in mine


def test_bad_request_keeps_the_input_and_says_why(client, coop):
    client.force_login(member(coop).user)
    response = client.post(reverse("ledger:solidarity"), {"ask-reason": "injury", "ask-amount": "30.00",
                                                          "ask-statement": "short"})
    assert response.status_code == 200
    assert "20 characters" in response.content.decode()
    assert HardshipApplication.objects.count() == 0


def test_steward_page_shows_the_statement_and_two_stewards_grant(client, coop):
    fund_fill(coop, 10_000)
    first, second = steward(coop).user, steward(coop).user
    applicant = member(coop).user
    application = hardship_apply(user=applicant, reason="injury", statement=STATEMENT, amount=2500)
    client.force_login(first)
    page = client.get(reverse("ledger:solidarity_steward")).content.decode()
    assert "moto-taxi" in page and applicant.display_name in page
    client.post(reverse("ledger:hardship_decide", args=[application.pk]), {"action": "approve"})
    application.refresh_from_db()
    assert application.status == HardshipApplication.Status.AWAITING_SECOND
    client.force_login(second)
    client.post(reverse("ledger:hardship_decide", args=[application.pk]), {"action": "approve"})
    application.refresh_from_db()
    assert application.status == HardshipApplication.Status.GRANTED
    assert selectors.wallet_balance(user=applicant) == 2500


def test_steward_puts_a_large_request_to_the_vote_from_the_page(client, coop):
    fund_fill(coop, 100_000)
    for _ in range(3):
        voter(coop)
    application = hardship_apply(user=member(coop).user, reason="illness", statement=STATEMENT, amount=30_000)
    client.force_login(steward(coop).user)
    response = client.post(reverse("ledger:hardship_decide", args=[application.pk]), {"action": "vote"})
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("governance:proposal", args=[proposal.pk])
    page = client.get(response["Location"]).content.decode()
    assert "$300.00" in page and "moto-taxi" not in page
    assert not Transaction.objects.filter(kind=Transaction.Kind.SOLIDARITY_GRANT).exists()


def test_another_coops_steward_cannot_decide(client, coop):
    application = hardship_apply(user=member(coop).user, reason="illness", statement=STATEMENT, amount=1000)
    client.force_login(steward(CoopFactory()).user)
    response = client.post(reverse("ledger:hardship_decide", args=[application.pk]), {"action": "approve"})
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.status == HardshipApplication.Status.PENDING


def test_pages_in_french(client, coop, settings):
    fund_fill(coop, 1000)
    hardship_apply(user=member(coop).user, reason="illness", statement=STATEMENT, amount=1000)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    client.force_login(member(coop).user)
    member_page = client.get(reverse("ledger:solidarity")).content.decode()
    client.force_login(steward(coop).user)
    steward_page = client.get(reverse("ledger:solidarity_steward")).content.decode()
    assert "Fonds de solidarité" in member_page and "Demander de l’aide" in member_page
    assert "Demandes d’aide" in steward_page
