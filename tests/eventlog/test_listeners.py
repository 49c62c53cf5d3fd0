"""The event log's listener registry (coop/eventlog/listeners.py): a listener hears the events
of its types, with the recorded facts, inside the writer's transaction; registering twice
keeps one; other types are not heard."""

import pytest

from coop.eventlog import listeners
from coop.eventlog.models import Event
from coop.eventlog.services import event_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    got = []

    def listener(facts):
        got.append(facts)

    listeners.register_listener("test.heard", "test.other", listener=listener)
    listeners.register_listener("test.heard", listener=listener)
    yield got
    for type_ in ("test.heard", "test.other"):
        listeners._LISTENERS.pop(type_, None)


def test_a_listener_hears_its_types_once_with_the_facts(heard):
    event_id = event_record(type="test.heard", subject=("tasks.task", 7), payload={"task": 7, "organisation": 3},
                            actor=None)
    event_record(type="test.unheard", payload={"task": 8})
    assert len(heard) == 1
    facts = heard[0]
    assert (facts.id, facts.type, facts.subject_type, facts.subject_id) == (event_id, "test.heard", "tasks.task", "7")
    assert facts.payload == {"task": 7, "organisation": 3}
    assert Event.objects.filter(pk=event_id).exists()  # heard after the INSERT, in the same transaction


def test_listeners_for_an_unregistered_type_is_empty():
    assert tuple(listeners.listeners_for("nobody.listens")) == ()
