"""When a project closes, its answers are aggregated: heard through the event log's listener
registry (coop/eventlog/listeners.py, filled in `QualityConfig.ready()`), deferred after commit."""

import logging

from django.db import transaction

from tasks.quality.services import aggregation_on_close

log = logging.getLogger(__name__)

CLOSE_TYPES = ("assignment.approved", "assignment.rejected", "assignment.frozen", "project.cancelled")


def project_closing_heard(facts):
    project_id = facts.payload.get("project")
    if not project_id:
        return
    cancelled = facts.type == "project.cancelled"
    transaction.on_commit(lambda: _close(project_id, cancelled))


def _close(project_id, cancelled):
    try:
        aggregation_on_close(project_id=project_id, cancelled=cancelled)
    except Exception:  # the change is committed; a failed trigger is logged (ask again on the page)
        log.exception("quality: aggregation on close of project %s failed", project_id)
