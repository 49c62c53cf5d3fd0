"""A django-q2 broker for the simulation: it counts the jobs the services queue on commit and
runs none of them. Those jobs only make work happen sooner (a jury draw, a scorecard, a
re-evaluation); the scheduled jobs that the simulation runs every simulated hour find the same
work by its dates, with the simulation's clock. A real broker would run them with the wall
clock, against whatever database its cluster uses."""

from collections import Counter

from django_q.brokers import Broker
from django_q.signing import SignedPackage

QUEUED = Counter()


class Counting(Broker):
    def enqueue(self, task):
        try:
            QUEUED[SignedPackage.loads(task).get("func", "?")] += 1
        except Exception:  # noqa: BLE001 - a package we cannot read is still counted
            QUEUED["?"] += 1
        return "dropped"

    def dequeue(self):
        return None

    def queue_size(self):
        return 0

    def lock_size(self):
        return 0

    def purge_queue(self):
        QUEUED.clear()

    def ping(self):
        return True

    def info(self):
        return "simulation: counted, not run"

    def delete_queue(self):
        QUEUED.clear()
