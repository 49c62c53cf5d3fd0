"""What the appeals services share: the minimum lengths of a statement and a reason, the jury
terms read from the rulebook, who is told (staff, stewards), and the draw queued after commit."""

from django.db import transaction
from django_q.tasks import async_task

from coop.federation.access import stewards_of
from coop.federation.selectors import rulebook_in_force

MIN_STATEMENT = 20
MIN_REASON = 10
LABELS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _text(value, minimum, error):
    value = (value or "").strip()
    if len(value) < minimum or "\x00" in value:
        raise error
    return value


def _terms(coop, now=None):
    rulebook = rulebook_in_force(coop=coop, at=now)
    return rulebook, {
        "rulebook_version": rulebook.version,
        "jury_size": rulebook["jury_size"],
        "response_hours": rulebook["jury_response_hours"],
        "juror_pay": rulebook["floor_hourly_rate"] * rulebook["juror_minutes"] // 60,
    }


def _stewards(coop_id):
    return stewards_of(coop_id)


def _after_commit_draw(appeal_id):
    transaction.on_commit(lambda: async_task("tasks.appeals.jobs.appeal_draw_job", appeal_id))
