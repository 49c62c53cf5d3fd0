"""The event log's clock: microseconds since the epoch, the unit of `occurred_at` and of a
checkpoint's `signed_at`. Its own module so that checkpoints (a read-and-sign helper) and the
services share it without one importing the other."""

import time


def now_us():
    return time.time_ns() // 1000
