"""django-q2 entry points (scheduled by ledger migrations 0004, 0012 and 0015)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from coop.core.batch import batch_run
from coop.federation.models import Coop
from ledger.services import reconciliation_run
from ledger.services.patronage import patronage_period_remind
from ledger.services.solidarity import solidarity_fee_share_move

FEE_SHARE_DAYS = 7  # days looked back each run: a job that did not run for a week still catches up


def reconcile():
    """Nightly: check the books against their postings (one short transaction)."""
    with transaction.atomic(durable=True):
        report = reconciliation_run()
    return {"ok": report.ok, "findings": len(report.findings)}


def solidarity_fee_shares(now=None):
    """Daily: for every coop and each of the last `FEE_SHARE_DAYS` finished days (UTC), move the
    voted share of that day's fee income into the solidarity fund. Each (coop, day) is one
    durable transaction, keyed, so days already moved are skipped."""
    today = (now or timezone.now()).astimezone(timezone.get_fixed_timezone(0)).date()
    days = [today - timedelta(days=n) for n in range(FEE_SHARE_DAYS, 0, -1)]
    items = [(coop, day) for coop in Coop.objects.order_by("pk") for day in days]
    batch = batch_run(items, lambda item: solidarity_fee_share_move(coop=item[0], day=item[1]),
                      name="ledger.jobs.solidarity_fee_shares")
    return {"moved": batch.done, "failed": batch.failed}


def patronage_reminders(now=None):
    """Daily: tell each real coop's stewards, once per period, that a patronage period ended with
    no distribution proposed (`patronage_period_remind`; sandbox coops are left out). One durable
    transaction per coop; a coop whose rulebook cannot be read is logged and skipped."""
    coops = Coop.objects.filter(sandbox_of__isnull=True).order_by("pk")
    batch = batch_run(coops, lambda coop: patronage_period_remind(coop=coop, now=now),
                      name="ledger.jobs.patronage_reminders")
    return {"told": batch.done, "failed": batch.failed}
