"""The event log's clock: microseconds since the epoch, the unit of `occurred_at`, of a
position's `sequenced_at` and of a checkpoint's `signed_at`. Its own module so that checkpoints
(a read-and-sign helper), the sequencer and the services share it without one importing the
other. It is the product's clock (`coop.core.clock`): the wall clock, or the simulation's."""

import time

from coop.core import clock


def now_us():
    at = clock.now_us()
    return time.time_ns() // 1000 if at is None else at
