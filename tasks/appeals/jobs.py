"""django-q2 entry points for appeals. Each finds what is due by looking at the data (so a
missed run catches up) and handles each appeal in its own short transaction
(`coop.core.batch.batch_run`: one that fails is logged and the job goes on)."""

from django.utils import timezone

from accounts.models import Organisation
from coop.core.batch import batch_run
from coop.eventlog.checkpoints import checkpoint_sign
from coop.eventlog.sequencer import sequence_pending
from tasks.appeals import services
from tasks.appeals.models import Appeal, JurySeat
from tasks.appeals.scorecards import scorecard_refresh


def _ensure_checkpoint():
    """The draw waits for a signed checkpoint over the appeal's event: sequence what is
    finished and sign a checkpoint if an appeal is waiting for one."""
    sequence_pending()
    checkpoint_sign()


def appeal_draw_job(appeal_id):
    _ensure_checkpoint()
    return services.appeal_draw(appeal_id=appeal_id)


def appeals_due(now=None):
    """Draw juries that wait for one, replace jurors who did not answer, pay unpaid jurors."""
    now = now or timezone.now()
    waiting = list(Appeal.objects.filter(status=Appeal.Status.AWAITING_DRAW).order_by("pk")
                   .values_list("pk", flat=True))
    if waiting:
        _ensure_checkpoint()
    drawn = batch_run(waiting, lambda pk: services.appeal_draw(appeal_id=pk, now=now),
                      name="appeals.jobs.appeal_draw").done
    lapsed = list(JurySeat.objects.filter(status=JurySeat.Status.INVITED, respond_by__lt=now, appeal__status="jury")
                  .order_by("appeal_id").values_list("appeal_id", flat=True).distinct())
    counts = []
    batch_run(lapsed, lambda pk: counts.append(services.seats_lapse_and_replace(appeal_id=pk, now=now)),
              name="appeals.jobs.seats_lapse_and_replace")
    replaced = sum(counts)
    unpaid = list(JurySeat.objects.filter(status=JurySeat.Status.VOTED, paid_at__isnull=True,
                                          appeal__status__in=[Appeal.Status.UPHELD, Appeal.Status.OVERTURNED])
                  .order_by("pk").values_list("pk", "appeal__coop_id", "appeal__juror_pay"))
    # Once a coop's juror fund and treasury refused a pay in this run, a seat of that coop owed as
    # much or more would be refused too (a refusal rolls back; nothing in this job adds to a
    # coop's funds): it waits for the next run, and the coop's stewards are told once per run,
    # not once per unpaid seat. Tried one by one, the unpaid seats of a coop whose funds ran dry
    # made every hourly run cost as much as the seats (issue 21: 118 unpaid seats by day 13 of
    # the simulation, 17,712 notices to its stewards).
    short = {}

    def pay(row):
        pk, coop_id, amount = row
        if coop_id in short and amount >= short[coop_id]:
            return False
        return services.jurors_pay_one(seat_id=pk, now=now, short=short)

    paid = batch_run(unpaid, pay, name="appeals.jobs.jurors_pay_one").done
    return {"drawn": drawn, "replaced": replaced, "paid": paid}


def scorecard_job(organisation_id):
    return scorecard_refresh(organisation_id=organisation_id)


def scorecards_all():
    ids = list(Organisation.objects.order_by("pk").values_list("pk", flat=True))
    return batch_run(ids, lambda pk: scorecard_refresh(organisation_id=pk), name="appeals.jobs.scorecards_all").done
