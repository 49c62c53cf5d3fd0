"""The ledger's scheduled jobs (ledger/jobs.py): the nightly reconciliation and the daily move of
the fee share into each coop's solidarity fund, each item in its own transaction."""

from datetime import timedelta

import pytest
from django.utils import timezone

from coop.core.errors import DomainError
from ledger import jobs, selectors, services
from ledger.models import Reconciliation, Transaction
from tests.factories import CoopFactory, funded_organisation, member, operator, project_stub

pytestmark = pytest.mark.django_db


def test_reconcile_reports_clean_books_and_stores_the_report():
    funded_organisation(5_000, operator=operator())
    assert jobs.reconcile() == {"ok": True, "findings": 0}
    report = Reconciliation.objects.get()
    assert report.ok and report.transactions_checked == 1


def test_reconcile_counts_the_findings_of_a_registered_check(monkeypatch):
    monkeypatch.setattr(selectors, "_reconciliation_checks", [])
    selectors.register_reconciliation_check(lambda: [{"check": "seat_unpaid", "seat": 4}, {"check": "x"}])
    assert jobs.reconcile() == {"ok": False, "findings": 2}
    assert Reconciliation.objects.get().findings == [{"check": "seat_unpaid", "seat": 4}, {"check": "x"}]


def _fee_income(coop, fee_coop):
    org = funded_organisation(10_000, operator=operator())
    project = project_stub(coop, org)
    services.escrow_hold(project=project, amount=2_000, key=f"project:{project.pk}:hold:1")
    services.escrow_release(project=project, user=member(coop).user, reward=500, fee_coop=fee_coop, fee_federation=0,
                            fee_juror=0, key=f"release:{project.pk}")


def test_solidarity_fee_shares_moves_each_coops_share_of_yesterdays_fees():
    tana, lagos = CoopFactory(params={"solidarity_fund_bps": 1000}), CoopFactory(params={"solidarity_fund_bps": 2500})
    _fee_income(tana, 1_000)
    _fee_income(lagos, 400)
    tomorrow = timezone.now() + timedelta(days=1)
    assert jobs.solidarity_fee_shares(now=tomorrow) == {"moved": 2, "failed": 0}
    assert selectors.solidarity_fund_balance(coop=tana) == 100
    assert selectors.solidarity_fund_balance(coop=lagos) == 100
    # today's income is not counted until the day is over
    assert jobs.solidarity_fee_shares() == {"moved": 0, "failed": 0}


def test_solidarity_fee_shares_goes_on_after_a_coop_that_fails(monkeypatch):
    broken, fine = CoopFactory(), CoopFactory()
    _fee_income(broken, 1_000)
    _fee_income(fine, 1_000)
    move = jobs.solidarity_fee_share_move

    def failing(*, coop, day):
        if coop.pk == broken.pk:
            raise DomainError("boom", "This coop's books are being repaired.")
        return move(coop=coop, day=day)

    monkeypatch.setattr(jobs, "solidarity_fee_share_move", failing)
    result = jobs.solidarity_fee_shares(now=timezone.now() + timedelta(days=1))
    assert result == {"moved": 1, "failed": 7}  # the broken coop fails on each of the 7 days looked at
    assert selectors.solidarity_fund_balance(coop=fine) == 100
    assert selectors.solidarity_fund_balance(coop=broken) == 0
    assert Transaction.objects.filter(kind=Transaction.Kind.SOLIDARITY_FEE_SHARE).count() == 1


def test_patronage_reminders_tell_each_real_coops_stewards_once_a_period(django_capture_on_commit_callbacks):
    from datetime import UTC, datetime

    from django_q.models import Schedule

    from accounts.models import Notice
    from coop.federation.models import RulebookVersion
    from tests.factories import steward
    from tests.factories.accounts import organisation

    tana, lagos = CoopFactory(), CoopFactory()
    sandbox = CoopFactory(sandbox_of=organisation())
    RulebookVersion.objects.update(effective_at=datetime(2020, 1, 1, tzinfo=UTC))
    stewards = [steward(coop).user for coop in (tana, lagos, sandbox)]
    now = datetime(2026, 2, 10, tzinfo=UTC)
    assert jobs.patronage_reminders(now=now) == {"told": 2, "failed": 0}
    assert [Notice.objects.filter(user=s, kind="patronage").count() for s in stewards] == [1, 1, 0]
    assert jobs.patronage_reminders(now=now) == {"told": 0, "failed": 0}  # idempotent
    schedule = Schedule.objects.get(name="ledger.patronage_reminders")  # scheduled daily by a migration
    assert (schedule.func, schedule.schedule_type) == ("ledger.jobs.patronage_reminders", Schedule.DAILY)
