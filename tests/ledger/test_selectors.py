"""The ledger's reads (ledger/selectors.py): balances, statements by month, the registries the
marketplace fills (held money, escrow obligations, statement subjects), payout queues and the
juror fund's outlook."""

from datetime import datetime

import pytest
from django.utils import timezone

from ledger import posting, selectors, services, treasury
from ledger.models import Payout
from ledger.services.solidarity import solidarity_contribute
from tests.factories import CoopFactory, funded_organisation, member, operator, project_stub, steward

pytestmark = pytest.mark.django_db


@pytest.fixture
def op():
    return operator()


@pytest.fixture
def paid(op):
    """A member of a coop with 3,000 in their wallet (a bonus from a funded requester)."""
    coop = CoopFactory()
    worker = member(coop).user
    org = funded_organisation(10_000, operator=op)
    services.bonus_pay(organisation=org, user=worker, amount=3_000, key="bonus:1")
    return {"coop": coop, "worker": worker, "org": org}


def test_balances_follow_the_money(paid):
    assert selectors.wallet_balance(user=paid["worker"]) == 3_000
    assert selectors.requester_balance(organisation=paid["org"]) == 7_000


def test_a_user_with_no_account_has_a_zero_balance():
    assert selectors.wallet_balance(user=member().user) == 0


def test_escrow_balances_reads_many_projects_at_once(op, django_assert_num_queries):
    coop = CoopFactory()
    org = funded_organisation(10_000, operator=op)
    a, b, c = (project_stub(coop, org) for _ in range(3))
    services.escrow_hold(project=a, amount=1_000, key=f"project:{a.pk}:hold:1")
    services.escrow_hold(project=b, amount=2_500, key=f"project:{b.pk}:hold:1")
    with django_assert_num_queries(1):
        found = selectors.escrow_balances(project_ids=[a.pk, b.pk, c.pk])
    assert found == {a.pk: 1_000, b.pk: 2_500}
    assert selectors.escrow_balance(project=b) == 2_500
    assert selectors.escrow_by_project(organisation=org) == {a.pk: 1_000, b.pk: 2_500}


def test_coop_fund_balances_sum_each_fund(op):
    coop = CoopFactory(params={"juror_fund_reserve": 1_000})
    assert selectors.coop_fund_balances(coop=coop) == {"treasury": 0, "juror_fund": 0, "solidarity_fund": 0,
                                                       "payout_clearing": 0}
    treasury.treasury_contribution_record(operator=op, coop=coop, amount=5_000, reference="DUES-1")
    treasury.juror_fund_top_up(coop=coop, key="top-up:1")
    funds = selectors.coop_fund_balances(coop=coop)
    assert (funds["treasury"], funds["juror_fund"]) == (4_000, 1_000)


@pytest.mark.parametrize(("month", "start", "end"), [
    ("2026-11", (2026, 11, 1), (2026, 12, 1)),
    ("2026-12", (2026, 12, 1), (2027, 1, 1)),
    ("2024-02", (2024, 2, 1), (2024, 3, 1)),
])
def test_month_bounds_cover_the_calendar_month(month, start, end):
    bounds = selectors.month_bounds(month)
    zone = timezone.get_current_timezone()
    assert bounds == (timezone.make_aware(datetime(*start), zone), timezone.make_aware(datetime(*end), zone))


@pytest.mark.parametrize("month", [None, "", "2026-13", "november", "2026/11"])
def test_month_bounds_of_a_bad_value_is_none(month):
    assert selectors.month_bounds(month) is None


def test_wallet_statement_is_newest_first_with_running_balances_and_filters_by_month(paid):
    org, worker = paid["org"], paid["worker"]
    services.bonus_pay(organisation=org, user=worker, amount=500, key="bonus:2")
    lines = list(selectors.wallet_statement(user=worker))
    assert [(line.amount, line.balance_after) for line in lines] == [(500, 3_500), (3_000, 3_000)]
    this_month = timezone.localtime().strftime("%Y-%m")
    assert selectors.statement_months(selectors.wallet_statement(user=worker)) == [this_month]
    assert selectors.wallet_statement(user=worker, month="1999-01").count() == 0
    assert selectors.wallet_statement(user=worker, month=this_month).count() == 2
    assert [line.amount for line in selectors.requester_statement(organisation=org)] == [-500, -3_000, 10_000]


def test_wallet_held_sums_every_registered_source(monkeypatch):
    monkeypatch.setattr(selectors, "_held_sources", [])
    user = member().user
    first = selectors.register_held_source(lambda *, user: [{"label": "a", "amount": 120, "link": "/a"}])
    selectors.register_held_source(first)  # registered once only
    selectors.register_held_source(lambda *, user: [{"label": "b", "amount": "30", "link": "/b"}])
    held = selectors.wallet_held(user=user)
    assert held["total"] == 150
    assert [line["label"] for line in held["lines"]] == ["a", "b"]


def test_escrow_obligations_add_up_per_owner_kind(monkeypatch):
    monkeypatch.setattr(selectors, "_obligation_sources", {})
    project, test = posting.OWNER_PROJECT, "qualifications.qualificationtest"
    assert selectors.escrow_obligations(owners=[(project, 1)]) is None  # nothing registered: unknown
    selectors.register_escrow_obligations(lambda *, ids: {pk: 100 for pk in ids})
    selectors.register_escrow_obligations(lambda *, ids: {ids[0]: 5})
    selectors.register_escrow_obligations(lambda *, ids: {pk: 7 for pk in ids}, owner_kind=test)
    owed = selectors.escrow_obligations(owners=[(project, 1), (project, 2), (test, 1), ("nobody", 9)])
    assert owed == {(project, 1): 105, (project, 2): 100, (test, 1): 7}
    assert selectors.escrow_owner_kinds_checked() == {project, test}


def test_statement_subjects_set_what_each_line_paid_for(paid, monkeypatch):
    monkeypatch.setattr(selectors, "_SUBJECT_SOURCES", [])
    calls = []

    def source(*, keys):
        calls.append(set(keys))
        return {"bonus:1": {"label": "Task 1", "member_link": "/t/1", "requester_link": "/r/1"}}

    selectors.register_statement_subjects(source)
    selectors.register_statement_subjects(source)
    services.bonus_pay(organisation=paid["org"], user=paid["worker"], amount=10, key="bonus:other")
    lines = selectors.statement_subjects(selectors.wallet_statement(user=paid["worker"]))
    assert calls == [{"bonus:1", "bonus:other"}]  # one call per source, all keys at once
    assert {line.transaction.key: line.subject and line.subject["label"] for line in lines} == {
        "bonus:1": "Task 1", "bonus:other": None}


def test_payouts_queue_holds_open_payouts_oldest_first(paid):
    coop, worker = paid["coop"], paid["worker"]
    first = services.payout_request(user=worker, amount=1_000, method="mobile_money", key="1")
    second = services.payout_request(user=worker, amount=600, method="mobile_money", key="2")
    services.payout_settle(steward=steward(coop).user, payout=first, reference="SENT-1")
    assert list(selectors.payouts_queue(coop=coop)) == [second]
    assert list(selectors.payouts_recent(coop=coop)) == [Payout.objects.get(pk=first.pk)]
    assert [p.pk for p in selectors.payouts_of(user=worker)] == [second.pk, first.pk]
    assert selectors.payout_owners([first.pk, second.pk]) == {first.pk: worker.pk, second.pk: worker.pk}


def test_juror_fund_outlook_prices_a_case_from_the_rulebook(op):
    coop = CoopFactory(params={"floor_hourly_rate": 1_800, "juror_minutes": 20, "jury_size": 5,
                               "juror_fund_reserve": 7_000})
    treasury.treasury_contribution_record(operator=op, coop=coop, amount=20_000, reference="DUES-1")
    treasury.juror_fund_top_up(coop=coop, key="top-up:1")
    outlook = selectors.juror_fund_outlook(coop=coop)
    assert outlook["per_juror"] == 600  # 1,800 an hour for 20 minutes
    assert outlook["per_case"] == 3_000
    assert (outlook["balance"], outlook["treasury"], outlook["reserve"]) == (7_000, 13_000, 7_000)
    assert outlook["cases_covered"] == 2
    assert outlook["paid_recently"] == 0 and outlook["runway_days"] is None  # nothing paid out yet
    assert [m.amount for m in outlook["movements"]] == [7_000]


def test_solidarity_months_count_inflows_and_keep_the_balance(paid):
    solidarity_contribute(user=paid["worker"], amount=400, key="give:1")
    solidarity_contribute(user=paid["worker"], amount=100, key="give:2")
    months = selectors.solidarity_months(coop=paid["coop"])
    assert len(months) == 1
    assert (months[0]["contributions"], months[0]["grants"], months[0]["balance"]) == (500, 0, 500)
    assert selectors.solidarity_fund_balance(coop=paid["coop"]) == 500
