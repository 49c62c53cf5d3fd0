"""The listener of the webhooks, registered with the event log (coop/eventlog/listeners.py)
in `WebhooksConfig.ready()`.

It runs inside the writer's transaction and only defers: after commit, one query finds the
organisation's active subscriptions, and only when one wants the event are the deliveries
written (`deliveries_create`) and queued. A rolled-back change sends nothing. This is the fast
path: a process that dies between the commit and the fan-out would lose those webhooks, so
`events_fan_out` (a job every minute) follows the sequenced event log from a cursor and makes
whatever deliveries are missing (each is made once per subscription and fact: docs/webhooks.md).
A submission's own statement says whether the organisation has an active subscription at all
(`facts.subscribed`); one made at that very moment is caught up by the same job."""

import logging

from django.db import transaction

from tasks.webhooks.catalogue import concerns_requester
from tasks.webhooks.services import deliveries_create

log = logging.getLogger(__name__)


def event_heard(facts):
    """The registered listener: events of an organisation's work are fanned out after commit,
    unless the writer read in its own statement that the organisation subscribes to nothing
    (`facts.subscribed is False`: a submission by `atelier_submit`)."""
    if facts.subscribed is False or not concerns_requester(facts):
        return
    transaction.on_commit(lambda: _fan_out(facts))


def _fan_out(facts):
    try:
        deliveries_create(facts=facts)
    except Exception:  # the change is committed; a failed fan-out is logged, never the user's error
        log.exception("webhooks: fan-out of event %s (%s) failed", facts.id, facts.type)
