"""Demo: a rejected transcription in the Antananarivo coop, appealed, with a jury drawn from
a signed checkpoint (log in as a drawn juror to vote: see /appeals/). Idempotent."""

from django.db import transaction

from accounts.models import User
from coop.eventlog.checkpoints import checkpoint_sign
from coop.eventlog.sequencer import sequence_pending
from ledger.services import deposit_record
from tasks.appeals.jobs import appeals_due, scorecards_all
from tasks.appeals.models import Appeal
from tasks.appeals.services import appeal_file
from tasks.services import (
    assignment_approve,
    assignment_claim,
    assignment_reject,
    assignment_submit,
    project_create,
    project_publish,
    tasks_add,
)

TITLE = "Receipt transcription (Malagasy)"
EXPLANATION = "The total line is missing and the shop name is misspelled compared with the receipt."
STATEMENT = "The total is cut off in the photo, so I wrote what was legible; the shop name is as printed."


def seed(ctx):
    organisation = ctx.get("organisations", {}).get("ravina")
    coop = ctx.get("coops", {}).get("tana")
    if organisation is None or coop is None or Appeal.objects.exists():
        return
    _rejected_and_appealed(ctx, organisation, coop)


def finish(ctx):
    """After the event log has sealed what every app wrote: draw the jury, refresh scorecards."""
    if appeals_due()["drawn"]:
        sequence_pending()  # seal the draw too, so a second run changes nothing
        checkpoint_sign()
    scorecards_all()
    appeal = Appeal.objects.order_by("pk").first()
    seat = appeal and appeal.seats.select_related("juror").order_by("draw_index").first()
    if seat is not None:
        ctx["logins"].append(("juror on the demo appeal", seat.juror.email))


@transaction.atomic
def _rejected_and_appealed(ctx, organisation, coop):
    owner = organisation.staff.filter(role="owner").first().user
    worker = User.objects.get(email="member@tana.example")
    other = User.objects.get(email="member2@tana.example")
    deposit_record(operator=ctx["operator"], organisation=organisation, amount=20000,
                   reference="demo-wire-appeals")
    project = project_create(
        actor=owner, organisation=organisation, coop=coop, title=TITLE, category="transcription",
        instructions="Type the **shop name** and the **total** exactly as printed.",
        question_form=[{"name": "shop", "type": "text", "label": "Shop name", "max_length": 120},
                       {"name": "total", "type": "text", "label": "Total", "max_length": 40}],
        reward=500, estimated_minutes=2, assignments_per_task=1, time_limit_minutes=30, auto_approval_hours=72,
        data_flags=[],
    )
    tasks_add(actor=owner, project=project,
              rows=[{"image_url": f"https://receipts.example/{i}.jpg"} for i in range(6)])
    project = project_publish(actor=owner, project=project)
    done = []
    for user, answers in ((worker, {"shop": "Score Analakely", "total": "4 500"}),
                          (other, {"shop": "Jumbo Score", "total": "45 000 Ar"})):
        assignment = assignment_claim(member=user, project=project)
        done.append(assignment_submit(member=user, assignment=assignment, answers=answers))
    assignment_approve(actor=owner, assignment=done[1])
    assignment_reject(actor=owner, assignment=done[0], reason="incomplete", explanation=EXPLANATION)
    appeal_file(member=worker, assignment=done[0], statement=STATEMENT)
