"""Scheduled governance work (django-q2, every minute; the schedule is created by migration
0002): open voting when the discussion ends, remind a day before the close, close when the
deadline passes. Each step is idempotent and catches up after downtime: a vote whose deadline
passed while nothing ran closes at the next run with the deadline as its closing time."""

import logging

from django.utils import timezone

from coop.core.batch import batch_run
from coop.governance import services
from coop.governance.models import Proposal

log = logging.getLogger(__name__)

SCHEDULE_NAME = "governance: advance proposals"
SCHEDULE_FUNC = "coop.governance.jobs.proposals_advance"


def _each(ids, step, now):
    """One durable transaction per proposal (seam 8); one that fails is logged and skipped."""

    def run(pk):
        step(proposal=Proposal.objects.get(pk=pk), now=now)
        return True

    return batch_run(ids, run, name=f"governance.jobs.{step.__name__}").done


def proposals_advance(now=None):
    """Open, remind and close whatever is due. Returns counts (for the job's result)."""
    now = now or timezone.now()
    V = Proposal.Status
    to_open = list(Proposal.objects.filter(status=V.DISCUSSION, discussion_ends_at__lte=now)
                   .order_by("pk").values_list("pk", flat=True))
    opened = _each(to_open, services.proposal_voting_open, now)
    to_remind = list(Proposal.objects.filter(status=V.VOTING, reminder_sent_at__isnull=True,
                                             voting_ends_at__gt=now).order_by("pk").values_list("pk", flat=True))
    reminded = batch_run(to_remind, lambda pk: services.proposal_remind(proposal=Proposal(pk=pk), now=now),
                         name="governance.jobs.proposal_remind").done
    to_close = list(Proposal.objects.filter(status=V.VOTING, voting_ends_at__lte=now)
                    .order_by("pk").values_list("pk", flat=True))
    closed = _each(to_close, services.proposal_close, now)
    return {"opened": opened, "reminded": reminded, "closed": closed}
