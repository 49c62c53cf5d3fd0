"""django-q2 entry points of the webhooks: one attempt of one delivery (queued when it is
made or replayed) and the sweep of retries that are due (every minute, migration 0002)."""

import logging

from django.utils import timezone

from tasks.webhooks.selectors import deliveries_due as _due
from tasks.webhooks.services import delivery_send as _send

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
