"""coop/eventlog/clock.py: the event log's time unit, microseconds since the epoch."""

import time

from coop.eventlog.clock import now_us


def test_now_is_in_microseconds_and_moves_forward():
    before = time.time_ns() // 1000
    first, second = now_us(), now_us()
    after = time.time_ns() // 1000
    assert before <= first <= second <= after
    assert isinstance(first, int) and len(str(first)) == 16  # microseconds of this century
