"""Functions run at the same moment, each in its own thread: the concurrency tests' one helper
(each concurrency test had its own copy of the barrier, the threads and the connections closed)."""

import threading

from django.db import connections

from coop.core.errors import DomainError


def together(fns, *, timeout=120):
    """Run each function of `fns` in its own thread, all released by one barrier. Returns, in the
    order of `fns`, what each returned or the exception it raised. Each thread closes its own
    database connections (a transaction test's threads must not leave them open)."""
    outcomes = [None] * len(fns)
    barrier = threading.Barrier(len(fns))

    def run(i):
        try:
            barrier.wait(timeout=30)
            outcomes[i] = fns[i]()
        except Exception as exc:  # noqa: BLE001 - each thread reports what it got
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(fns))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return outcomes


def outcome_codes(outcomes, *, done):
    """`together`'s outcomes as words, sorted: `done` for a function that returned, a refusal's
    code (DomainError), and any other error's repr (never in a test's expected list: it fails it)."""
    return sorted(o.code if isinstance(o, DomainError) else repr(o) if isinstance(o, Exception) else done
                  for o in outcomes)
