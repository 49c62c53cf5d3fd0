"""The reproducible draw of a jury (once the appeal's event is in a signed checkpoint), and the
replacement of jurors who declined or lapsed."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext_lazy

from accounts.services import notify
from coop.core.db import retry_transaction
from coop.eventlog.services import event_record
from coop.federation.access import access_changed
from coop.federation.models import Membership
from tasks.appeals import draw, locks
from tasks.appeals.models import Appeal, JurySeat
from tasks.appeals.selectors import appeal_candidates, appeal_checkpoint
from tasks.appeals.services.common import LABELS

# --- the draw ------------------------------------------------------------------------------------------------


def _invite(appeal, juror_id, index, now):
    seat = JurySeat.objects.create(appeal=appeal, juror_id=juror_id, draw_index=index, label=_label(index),
                                   invited_at=now, respond_by=now + timedelta(hours=appeal.response_hours))
    notify(user=seat.juror, kind="jury", link=f"/appeals/{appeal.pk}/jury/",
           message=ngettext_lazy("You were drawn as a juror on an appeal. Please accept or decline within %(n)s hour.",
                                 "You were drawn as a juror on an appeal. Please accept or decline within %(n)s hours.",
                                 "n"),
           params={"n": appeal.response_hours})
    return seat


def _label(index):
    """The seat's letter ("A", ..., "Z", then "A26"...): pages say "Juror A" in the reader's language."""
    return LABELS[index % len(LABELS)] + ("" if index < len(LABELS) else str(index))


@retry_transaction
@transaction.atomic
def appeal_draw(*, appeal_id: int, now: datetime | None = None) -> bool:
    """Draw the jury once the appeal's event is in a signed checkpoint. Returns True if drawn.
    Safe to call again: a drawn appeal is left alone; one without enough candidates waits."""
    now = now or timezone.now()
    appeal = locks.appeal_with_coop_for_update(appeal_id)
    if appeal.status != Appeal.Status.AWAITING_DRAW:
        return False
    checkpoint = appeal_checkpoint(appeal)
    if checkpoint is None:
        return False
    candidates, preferred = appeal_candidates(appeal, at=now)
    if len(candidates) < appeal.jury_size:
        return False
    seed = draw.draw_seed(appeal_id=appeal.pk, root=bytes(checkpoint.root))
    order = draw.draw_order(seed=seed, candidates=candidates)
    appeal.checkpoint_size, appeal.checkpoint_root = checkpoint.size, bytes(checkpoint.root).hex()
    appeal.seed = seed.hex()
    appeal.candidates, appeal.draw_order, appeal.preferred_holders = candidates, order, preferred
    appeal.drawn_at, appeal.status = now, Appeal.Status.JURY
    appeal.save()
    for index, juror_id in enumerate(order[:appeal.jury_size]):
        _invite(appeal, juror_id, index, now)
    event_record(type="appeal.jury_drawn", coop=appeal.coop_id, subject=appeal,
                 payload={"appeal": appeal.pk, "checkpoint_size": checkpoint.size, "seed": seed.hex(),
                          "candidates": len(candidates), "jury_size": appeal.jury_size})
    return True


def _replace(appeal, now):
    """Invite the next in the draw order for every seat that declined or lapsed."""
    seated = set(appeal.seats.values_list("juror_id", flat=True))
    live = appeal.seats.filter(status__in=JurySeat.LIVE).count()
    next_index = appeal.seats.count()
    invited = 0
    for juror_id in appeal.draw_order:
        if live + invited >= appeal.jury_size:
            break
        if juror_id in seated:
            continue
        if not Membership.objects.active().filter(user_id=juror_id, coop_id=appeal.coop_id).exists():
            seated.add(juror_id)
            continue
        _invite(appeal, juror_id, next_index, now)
        seated.add(juror_id)
        next_index += 1
        invited += 1
    return invited


@retry_transaction
@transaction.atomic
def seats_lapse_and_replace(*, appeal_id: int, now: datetime | None = None) -> int:
    """Jurors who did not answer within `jury_response_hours` lapse and are replaced."""
    now = now or timezone.now()
    appeal = locks.appeal_for_update(appeal_id)
    if appeal is None:
        raise Appeal.DoesNotExist()
    if appeal.status != Appeal.Status.JURY:
        return 0
    lapsed = list(appeal.seats.filter(status=JurySeat.Status.INVITED, respond_by__lt=now))
    for seat in lapsed:
        seat.status, seat.responded_at = JurySeat.Status.LAPSED, now
        seat.save(update_fields=["status", "responded_at"])
        access_changed(user_id=seat.juror_id)
        event_record(type="appeal.juror_lapsed", coop=appeal.coop_id, subject=appeal,
                     payload={"appeal": appeal.pk, "seat": seat.pk})
    return _replace(appeal, now) if lapsed else 0
