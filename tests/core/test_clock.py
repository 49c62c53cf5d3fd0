"""coop/core/clock.py: the product's clock is the wall clock, or the instant `clock_set` holds
in the calling thread only; the event log, the rulebook in force, the member-API services and
the throttles read it."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from coop.core import clock
from coop.core.clock import clock_set
from coop.eventlog.clock import now_us
from coop.eventlog.models import Event
from coop.eventlog.services import event_record

AT = datetime(2100, 1, 4, 9, 30, 0, 123456, tzinfo=UTC)


def test_clock_is_the_wall_clock_outside_a_set_block():
    before = timezone.now()
    read = clock.now()
    assert before <= read <= timezone.now()
    assert clock.now_us() is None


def test_clock_set_holds_its_instant_nested_and_restores_it():
    with clock_set(AT):
        assert clock.now() == AT and now_us() == int(AT.timestamp()) * 1_000_000 + 123456
        later = AT + timedelta(hours=1)
        with clock_set(later):
            assert clock.now() == later
        assert clock.now() == AT
    assert abs((clock.now() - timezone.now()).total_seconds()) < 5


def test_clock_set_refuses_a_naive_datetime_and_restores_after_an_error():
    with pytest.raises(ValueError):
        with clock_set(datetime(2100, 1, 4)):
            pass
    with pytest.raises(RuntimeError):
        with clock_set(AT):
            raise RuntimeError("boom")
    assert clock.now_us() is None


def test_another_thread_keeps_the_wall_clock():
    seen = []
    with clock_set(AT):
        worker = threading.Thread(target=lambda: seen.append(clock.now()))
        worker.start()
        worker.join()
    assert seen[0].year == timezone.now().year != AT.year


@pytest.mark.django_db
def test_an_event_recorded_inside_clock_set_carries_its_instant():
    with clock_set(AT):
        event_id = event_record(type="test.clock", payload={"n": 1})
    outside = event_record(type="test.clock", payload={"n": 2})
    occurred = dict(Event.objects.filter(pk__in=[event_id, outside]).values_list("pk", "occurred_at"))
    assert occurred[event_id] == (AT - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    assert abs(occurred[outside] - timezone.now().timestamp() * 1_000_000) < 60_000_000
