"""Jurors answer their invitation (accept, decline) and vote with a written reason; the last vote decides."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from coop.core.db import retry_transaction
from coop.core.errors import DomainError, NotFound
from coop.eventlog.services import event_record
from coop.federation.access import access_changed
from tasks.appeals import locks
from tasks.appeals.errors import (
    AlreadyVoted,
    NotAJuror,
)
from tasks.appeals.models import Appeal, JurySeat
from tasks.appeals.services.common import MIN_REASON, _text
from tasks.appeals.services.decision import _decide
from tasks.appeals.services.draw import _replace

# --- jurors --------------------------------------------------------------------------------------------------


def _seat_for_update(juror, appeal):
    appeal = locks.appeal_for_update(getattr(appeal, "pk", appeal))
    if appeal is None:
        raise NotFound()
    seat = locks.seat_for_update(appeal=appeal, juror_id=juror.pk)
    if seat is None or seat.status in (JurySeat.Status.DECLINED, JurySeat.Status.LAPSED):
        raise NotAJuror()
    if appeal.status != Appeal.Status.JURY:
        raise DomainError("appeal_closed", _("This appeal is no longer before the jury."))
    return appeal, seat


@retry_transaction
@transaction.atomic
def seat_accept(*, juror: User, appeal: Appeal, now: datetime | None = None) -> JurySeat:
    appeal, seat = _seat_for_update(juror, appeal)
    if seat.status != JurySeat.Status.INVITED:
        return seat
    seat.status, seat.responded_at = JurySeat.Status.ACCEPTED, now or timezone.now()
    seat.save(update_fields=["status", "responded_at"])
    event_record(type="appeal.juror_accepted", coop=appeal.coop_id, actor=juror, subject=appeal,
                 payload={"appeal": appeal.pk, "seat": seat.pk})
    return seat


@retry_transaction
@transaction.atomic
def seat_decline(*, juror: User, appeal: Appeal, now: datetime | None = None) -> JurySeat:
    now = now or timezone.now()
    appeal, seat = _seat_for_update(juror, appeal)
    if seat.status == JurySeat.Status.VOTED:
        raise AlreadyVoted()
    seat.status, seat.responded_at = JurySeat.Status.DECLINED, now
    seat.save(update_fields=["status", "responded_at"])
    access_changed(user_id=seat.juror_id)
    event_record(type="appeal.juror_declined", coop=appeal.coop_id, actor=juror, subject=appeal,
                 payload={"appeal": appeal.pk, "seat": seat.pk})
    _replace(appeal, now)
    return seat


@retry_transaction
@transaction.atomic
def seat_vote(*, juror: User, appeal: Appeal, vote: str, reason: str, now: datetime | None = None) -> JurySeat:
    """A juror votes uphold or overturn with a written reason. When every seat has voted the
    appeal is decided: majority, and a tie overturns."""
    now = now or timezone.now()
    if vote not in Appeal.Decision.values:
        raise DomainError("invalid_vote", _("Vote uphold or overturn."), {"choices": Appeal.Decision.values})
    reason = _text(reason, MIN_REASON, DomainError("reason_required",
                                                   _("Give the reason for your vote (at least 10 characters).")))
    appeal, seat = _seat_for_update(juror, appeal)
    if seat.status == JurySeat.Status.VOTED:
        raise AlreadyVoted()
    seat.status, seat.vote, seat.vote_reason, seat.voted_at = JurySeat.Status.VOTED, vote, reason, now
    seat.responded_at = seat.responded_at or now
    seat.save()
    # The vote event says a juror voted, never how: the decision event carries the counts.
    event_record(type="appeal.juror_voted", coop=appeal.coop_id, actor=juror, subject=appeal,
                 payload={"appeal": appeal.pk, "seat": seat.pk})
    votes = list(appeal.seats.filter(status=JurySeat.Status.VOTED))
    if len(votes) >= appeal.jury_size:
        _decide(appeal, votes, now)
    return seat
