"""The webhooks' listener (tasks/webhooks/events.py): events of an organisation's work fanned out
after commit only; events of no organisation, and appeals of no assignment, are no requester's
business; a failed fan-out is logged, never raised into the change that was committed."""

import logging

import pytest

from coop.eventlog.listeners import EventFacts
from tasks.webhooks import events

pytestmark = pytest.mark.django_db


def _facts(type_="assignment.submitted", **payload):
    return EventFacts(id=7, type=type_, coop_id=1, actor_id=None, subject_type="tasks.assignment", subject_id="3",
                      payload=payload)


def test_an_organisations_event_is_fanned_out_after_commit(monkeypatch, django_capture_on_commit_callbacks):
    heard = []
    monkeypatch.setattr(events, "deliveries_create", lambda *, facts: heard.append(facts.id))
    with django_capture_on_commit_callbacks() as callbacks:
        events.event_heard(_facts(organisation=4, assignment=3))
    assert heard == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert heard == [7]


@pytest.mark.parametrize("facts", [_facts(assignment=3), _facts("appeal.filed", organisation=4, appeal=2)])
def test_events_of_no_requester_are_not_heard(facts, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        events.event_heard(facts)
    assert callbacks == []


def test_a_failed_fan_out_is_logged(monkeypatch, caplog):
    def broken(*, facts):
        raise RuntimeError("database gone")

    monkeypatch.setattr(events, "deliveries_create", broken)
    with caplog.at_level(logging.ERROR, logger="tasks.webhooks.events"):
        events._fan_out(_facts(organisation=4))
    assert "fan-out of event 7 (assignment.submitted) failed" in caplog.text
