"""django-q2 entry points of the webhooks: one attempt of one delivery (queued when it is
made or replayed), the sweep of retries that are due (every minute, migration 0002) and the
fan-out that follows the sequenced event log (every minute, migration 0003)."""

import logging

from django.utils import timezone

from tasks.webhooks.selectors import deliveries_due as _due
from tasks.webhooks.services import delivery_send as _send
from tasks.webhooks.services import events_fan_out as _fan_out

log = logging.getLogger(__name__)


def delivery_send(delivery_id, replay=False):
    attempt = _send(delivery_id=delivery_id, replay=replay)
    return None if attempt is None else attempt.status_code


def deliveries_due(now=None):
    """Try every delivery whose next attempt is due; one that fails to run is logged and skipped.
    Not through `batch_run`: its durable transaction would hold the HTTP call inside it, and
    `delivery_send` must run with no transaction open (it takes its own short ones)."""
    now = now or timezone.now()
    sent = 0
    for pk in _due(now=now):
        try:
            sent += _send(delivery_id=pk, now=now) is not None
        except Exception:
            log.exception("webhooks: delivery %s could not be attempted; the next sweep tries again", pk)
    return sent


def events_fan_out(batch=500, rounds=20):
    """Make the deliveries missing for events of the log since the cursor (a process that died
    after its commit and before its fan-out): up to `rounds` batches of `batch` events, each
    its own transaction. Returns the deliveries made."""
    made = 0
    for _round in range(rounds):
        read, new = _fan_out(batch=batch)
        made += new
        if read < batch:  # caught up with the log
            break
    return made
