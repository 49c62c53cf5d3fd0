"""Jurors are paid in normal operation (issue 16 point 2): when the fee share has not accrued
enough, the juror-pay job tops the fund up from the treasury to the coop's voted reserve, as
a ledger transaction with its event; stewards see the fund's balance and runway, and the
notice they get when even the treasury is short links to a page that exists."""

import pytest

from accounts.models import Notice
from coop.eventlog.models import Event
from ledger.models import Transaction
from ledger.selectors import coop_fund_balances, juror_fund_outlook, wallet_balance
from ledger.treasury import juror_fund_top_up, treasury_contribution_record
from tasks.appeals.models import JurySeat
from tasks.appeals.services import appeal_draw, appeal_file, seat_vote
from tasks.services import assignment_claim, assignment_reject, assignment_submit
from tests.appeals.conftest import EXPLANATION, STATEMENT, participate, seal
from tests.factories import CoopFactory, member, operator, published_project

pytestmark = pytest.mark.django_db

REASON = "The image really is blank below the total."


@pytest.fixture
def small_case():
    """Default rules (5% fee, 10% of it to the juror fund) and a 30¢ reward: the fund's share
    of this work is a few cents, far from the 6.00 a case costs."""
    coop = CoopFactory()
    members = [participate(member(coop)) for _ in range(8)]
    project = published_project(coop, tasks=4, reward=30, estimated_minutes=1)
    owner = project.organisation.staff.first().user
    worker = members[0]
    assignment = assignment_submit(member=worker, assignment=assignment_claim(member=worker, project=project),
                                   answers={"label": "yes"})
    rejected = assignment_reject(actor=owner, assignment=assignment, reason="incomplete", explanation=EXPLANATION)
    appeal = appeal_file(member=worker, assignment=rejected, statement=STATEMENT)
    seal()
    assert appeal_draw(appeal_id=appeal.pk)
    appeal.refresh_from_db()
    stewards = [member(coop, role="steward").user for _ in range(1)]
    return {"coop": coop, "appeal": appeal, "stewards": stewards}


def _decide(appeal):
    panel = [s.juror for s in appeal.seats.filter(status__in=JurySeat.LIVE).select_related("juror")]
    before = {j.pk: wallet_balance(user=j) for j in panel}
    for juror in panel:
        seat_vote(juror=juror, appeal=appeal, vote="overturn", reason=REASON)
    return panel, before


def test_a_short_fund_is_topped_up_from_the_treasury_and_every_juror_is_paid(small_case):
    coop, appeal = small_case["coop"], small_case["appeal"]
    treasury_contribution_record(operator=operator(), coop=coop, amount=10_000, reference="dues-2026")
    assert coop_fund_balances(coop=coop)["juror_fund"] < appeal.juror_pay
    panel, before = _decide(appeal)
    for juror in panel:
        assert wallet_balance(user=juror) == before[juror.pk] + appeal.juror_pay
    top_up = Transaction.objects.get(kind=Transaction.Kind.JUROR_FUND_TOP_UP)
    event = Event.objects.get(pk=top_up.event_id)
    assert event.type == "ledger.juror_fund_topped_up" and event.payload_json["reserve"] == 3000
    # the fund was brought up to the voted reserve (30.00) once, then paid three jurors from it
    assert coop_fund_balances(coop=coop)["juror_fund"] == 3000 - 3 * appeal.juror_pay
    assert Transaction.objects.filter(kind=Transaction.Kind.JUROR_FUND_TOP_UP).count() == 1
    assert not Notice.objects.filter(kind="juror_fund").exists()


def test_with_an_empty_treasury_stewards_are_told_and_the_link_resolves(client, small_case):
    coop, appeal = small_case["coop"], small_case["appeal"]
    panel, before = _decide(appeal)
    assert all(wallet_balance(user=j) == before[j.pk] for j in panel)
    notice = Notice.objects.filter(kind="juror_fund", user=small_case["stewards"][0]).first()
    assert notice is not None and notice.link == "/steward/money/"
    client.force_login(notice.user)
    page = client.get(notice.link)
    assert page.status_code == 200
    assert "juror-fund" in page.content.decode()
    # once the treasury has money, the retry pays every juror exactly once
    treasury_contribution_record(operator=operator(), coop=coop, amount=10_000, reference="dues-2026")
    from tasks.appeals.jobs import appeals_due

    appeals_due()
    appeals_due()
    assert all(wallet_balance(user=j) == before[j.pk] + appeal.juror_pay for j in panel)


def test_a_reserve_of_zero_means_no_automatic_top_up():
    coop = CoopFactory(params={"juror_fund_reserve": 0})
    treasury_contribution_record(operator=operator(), coop=coop, amount=10_000, reference="dues")
    assert juror_fund_top_up(coop=coop, key="t:1") is None
    assert coop_fund_balances(coop=coop)["juror_fund"] == 0


def test_top_up_is_idempotent_and_never_draws_more_than_the_treasury_holds():
    coop = CoopFactory()
    treasury_contribution_record(operator=operator(), coop=coop, amount=1_000, reference="dues")
    first = juror_fund_top_up(coop=coop, key="t:1")
    assert juror_fund_top_up(coop=coop, key="t:1").pk == first.pk
    assert coop_fund_balances(coop=coop) == {"treasury": 0, "juror_fund": 1_000, "solidarity_fund": 0,
                                                "payout_clearing": 0}
    assert juror_fund_top_up(coop=coop, key="t:2") is None


def test_stewards_see_the_fund_balance_and_its_runway(client):
    coop = CoopFactory()
    steward = member(coop, role="steward").user
    treasury_contribution_record(operator=operator(), coop=coop, amount=10_000, reference="dues")
    juror_fund_top_up(coop=coop, key="t:1")
    outlook = juror_fund_outlook(coop=coop)
    assert (outlook["balance"], outlook["per_case"], outlook["cases_covered"]) == (3000, 600, 5)
    client.force_login(steward)
    body = client.get("/steward/money/").content.decode()
    assert "30.00" in body and "Runway" in body
    client.force_login(member(coop).user)
    assert client.get("/steward/money/").status_code in (302, 403)


def test_a_run_tells_the_stewards_once_while_the_coops_funds_stay_short(small_case):
    """The hourly job stops trying a coop's other unpaid seats once its funds refused a pay of
    as much (issue 21): they would be refused too; the stewards get one notice per run, not one
    per unpaid seat, and the seats are all paid once the treasury has money."""
    from tasks.appeals.jobs import appeals_due

    coop, appeal = small_case["coop"], small_case["appeal"]
    panel, before = _decide(appeal)
    unpaid = JurySeat.objects.filter(appeal=appeal, status=JurySeat.Status.VOTED, paid_at__isnull=True).count()
    assert unpaid == len(panel) >= 3
    notices = Notice.objects.filter(kind="juror_fund").count()
    assert appeals_due()["paid"] == 0
    assert Notice.objects.filter(kind="juror_fund").count() == notices + len(small_case["stewards"])
    treasury_contribution_record(operator=operator(), coop=coop, amount=10_000, reference="dues-2027")
    assert appeals_due()["paid"] == unpaid
    assert all(wallet_balance(user=j) == before[j.pk] + appeal.juror_pay for j in panel)
