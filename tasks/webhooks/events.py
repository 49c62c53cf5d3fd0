"""The listener of the webhooks, registered with the event log (coop/eventlog/listeners.py)
in `WebhooksConfig.ready()`.

It runs inside the writer's transaction and only defers: after commit, one query finds the
organisation's active subscriptions, and only when one wants the event are the deliveries
written (`deliveries_create`) and queued. A rolled-back change sends nothing. The cost of
that choice: a process that dies between the commit and the fan-out loses those webhooks
(docs/requester-toolkit.md, "Known limits")."""

import logging

from django.db import transaction

from tasks.webhooks.services import deliveries_create

log = logging.getLogger(__name__)


def event_heard(facts):
    """The registered listener: events of an organisation's work are fanned out after commit."""
    if not facts.payload.get("organisation"):
        return
    if facts.type == "appeal.filed" and not facts.payload.get("assignment"):
        return  # an appeal of a revocation or a sanction is no requester's business
    transaction.on_commit(lambda: _fan_out(facts))


def _fan_out(facts):
    try:
        deliveries_create(facts=facts)
    except Exception:  # the change is committed; a failed fan-out is logged, never the user's error
        log.exception("webhooks: fan-out of event %s (%s) failed", facts.id, facts.type)
