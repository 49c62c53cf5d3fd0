"""The one contract of batch jobs (DESIGN.md seam 8): each item in its own transaction.

`batch_run(items, step, name=...)` calls `step(item)` for every item inside its own outermost
`transaction.atomic(durable=True)`, run again whole by `retry_transaction` if it loses a
deadlock or a serialisation check. An item that fails (a `DomainError` such as an item no
longer due, a `Busy` database, a bug) is rolled back alone, logged with its traceback and
counted; the job goes on with the next item, so one bad row never holds up the rest. The
steps are idempotent, so a failed item is simply tried again at the next run."""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction

from coop.core.db import retry_transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Batch:
    done: int  # items whose step returned something true (it did something)
    failed: int  # items whose step raised (rolled back, logged)
    total: int


@retry_transaction
def _durable(step, item):
    with transaction.atomic(durable=True):
        return step(item)


def batch_run(items: Iterable, step: Callable, *, name: str) -> Batch:
    """Run `step(item)` for each item, each in its own durable transaction; log and count the
    failures and go on. An item counts as done when its step returns something true."""
    done = failed = total = 0
    for item in items:
        total += 1
        try:
            result = _durable(step, item)
        except Exception:
            failed += 1
            log.exception("%s: item %r failed; going on with the next", name, item)
            continue
        done += bool(result)
    if failed:
        log.warning("%s: %d of %d items failed", name, failed, total)
    return Batch(done=done, failed=failed, total=total)
