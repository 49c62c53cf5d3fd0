"""coop/simulation/broker.py: the simulation's django-q2 broker counts what is queued, by
function, and runs nothing."""

from django_q.signing import SignedPackage

from coop.simulation.broker import QUEUED, Counting


def test_counting_counts_by_function_and_runs_nothing():
    broker = Counting()
    broker.purge_queue()
    assert broker.enqueue(SignedPackage.dumps({"func": "tasks.jobs.expire", "args": ()})) == "dropped"
    broker.enqueue(SignedPackage.dumps({"func": "tasks.jobs.expire"}))
    broker.enqueue("not a signed package")
    assert QUEUED == {"tasks.jobs.expire": 2, "?": 1}
    assert broker.dequeue() is None and broker.queue_size() == 0 and broker.lock_size() == 0 and broker.ping()
    broker.delete_queue()
    assert QUEUED == {}
