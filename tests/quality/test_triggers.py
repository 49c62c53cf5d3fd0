"""Quality's listener (tasks/quality/triggers.py): a closing event defers the aggregation until
after commit, a cancellation says so, an event with no project is ignored, and a failed
aggregation is logged, never raised into the committed change."""

import logging

import pytest

from coop.eventlog.listeners import EventFacts
from tasks.quality import triggers
from tasks.quality.models import AggregationRun
from tasks.services import assignment_approve

pytestmark = pytest.mark.django_db


def _facts(type_, **payload):
    return EventFacts(id=1, type=type_, coop_id=1, actor_id=None, subject_type="", subject_id="", payload=payload)


@pytest.mark.parametrize(("type_", "cancelled"), [("assignment.approved", False), ("project.cancelled", True)])
def test_a_closing_event_aggregates_after_commit(monkeypatch, django_capture_on_commit_callbacks, type_, cancelled):
    calls = []
    monkeypatch.setattr(triggers, "aggregation_on_close",
                        lambda *, project_id, cancelled: calls.append((project_id, cancelled)))
    with django_capture_on_commit_callbacks() as callbacks:
        triggers.project_closing_heard(_facts(type_, project=12))
    assert calls == []
    for callback in callbacks:
        callback()
    assert calls == [(12, cancelled)]
    assert type_ in triggers.CLOSE_TYPES


def test_an_event_without_a_project_is_ignored(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        triggers.project_closing_heard(_facts("assignment.approved"))
    assert callbacks == []


def test_a_failed_aggregation_is_logged(monkeypatch, caplog):
    def broken(*, project_id, cancelled):
        raise RuntimeError("crowd-kit failed")

    monkeypatch.setattr(triggers, "aggregation_on_close", broken)
    with caplog.at_level(logging.ERROR, logger="tasks.quality.triggers"):
        triggers._close(12, False)
    assert "aggregation on close of project 12 failed" in caplog.text


def test_approving_the_last_work_of_a_project_with_overlap_aggregates_it_once(answered,
                                                                               django_capture_on_commit_callbacks):
    owner, submitted = answered["owner"], answered["submitted"]
    for assignment in submitted[:-1]:
        assignment_approve(actor=owner, assignment=assignment)
    assert not AggregationRun.objects.exists()  # work still waits
    with django_capture_on_commit_callbacks(execute=True):
        assignment_approve(actor=owner, assignment=submitted[-1])
    run = AggregationRun.objects.get()
    assert (run.trigger, run.status) == (AggregationRun.Trigger.CLOSE, AggregationRun.Status.DONE)
    triggers._close(answered["project"].pk, False)  # heard again: the same close is not aggregated twice
    assert AggregationRun.objects.count() == 1
