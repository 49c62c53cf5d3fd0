"""The rows coop.core locks: an API request's `Idempotency-Key` (coop.core.idempotency)."""

from coop.core.models import IdempotencyRecord


def idempotency_record_for_update(*, scope: str, key: str) -> IdempotencyRecord | None:
    """Lock the `Idempotency-Key` row of (scope, key), or None if there is none. Taken first in
    a request's transaction, before any lock of the global order (docs/ledger.md "Lock order"):
    two requests with one key queue here, and the second reads what the first committed."""
    return IdempotencyRecord.objects.select_for_update().filter(scope=scope, key=key).first()
