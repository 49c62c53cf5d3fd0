"""The API's `Idempotency-Key` header (DESIGN.md seam 2).

`idempotent(request=..., scope=..., handler=...)` runs `handler()` (which calls a service
and returns a DRF Response) once per (scope, key). The scope is the organisation the caller
acts for (`org:<id>`), or the user acting for themself (`user:<id>`). A key belongs to the
request it was first used for: a replay (same method, path and body) gets the first response
(with `Idempotent-Replayed: true`); the same key on another method or path (another project's
pause) or with another body gets 409 `idempotency_key_reused`.

Racing twins: the key's row is inserted first in the request's transaction
(`idempotency_begin`, below), so a second request with the same key waits for the
first to end, then replays its response rather than answering its own error (the payout's
`insufficient_funds`, the approval's `not_submitted`). Only successful (2xx) responses are
stored: a request refused for a reason that can change (insufficient funds) rolls its row back
with its work, and a twin waiting on it then runs its own handler. The whole transaction is run
again by `retry_transaction` if it loses a deadlock or a serialisation check (never a 500).
Every app's POST endpoints use it the same way (the ledger's and the marketplace's API do);
it lived in the ledger until issue 17 moved it here, an HTTP concern below every app."""

import hashlib
import json

from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.response import Response

from coop.core.db import retry_transaction
from coop.core.errors import DomainError, KeyReused
from coop.core.locks import idempotency_record_for_update
from coop.core.models import IdempotencyRecord

HEADER = "Idempotency-Key"


def body_hash(data):
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()


def _replay(record, *, method, path, digest):
    """The response `record` stored, for a request (method, path, digest) using its key again."""
    if record.path and (record.method, record.path) != (method, path):  # blank: stored before paths were
        raise KeyReused(
            message=_("This Idempotency-Key was already used for %(method)s %(path)s. Use a new key for each "
                      "request.") % {"method": record.method, "path": record.path},
            extra={"key": record.key, "method": record.method, "path": record.path})
    if record.body_hash != digest:
        raise KeyReused(message=_("This Idempotency-Key was already used with a different request body."),
                        extra={"key": record.key})
    return Response(record.response, status=record.status_code, headers={"Idempotent-Replayed": "true"})


@retry_transaction
def _run_once(*, scope, key, method, path, digest, handler):
    """One attempt, in one transaction: take the key (waiting for a twin holding it), then
    replay what it stored or run the handler and store its response."""
    with transaction.atomic():
        record = idempotency_begin(scope=scope, key=key, method=method, path=path, body_hash=digest)
        if record.status_code != IdempotencyRecord.PENDING:  # committed by an earlier request
            return _replay(record, method=method, path=path, digest=digest)
        response = handler()
        if 200 <= response.status_code < 300:
            idempotency_store(record=record, status_code=response.status_code, response=response.data)
        else:
            idempotency_release(record=record)
        return response


def idempotent(*, request, scope, handler):
    key = request.headers.get(HEADER)
    if key is None:
        return handler()
    key = key.strip()
    if not key or len(key) > 200 or "\x00" in key:
        raise DomainError("invalid_idempotency_key", _("An Idempotency-Key must be 1 to 200 characters."))
    digest = body_hash(request.data)
    method, path = request.method, request.path[:500]
    # the usual retry finds its response committed: no transaction, no lock
    existing = IdempotencyRecord.objects.filter(scope=scope, key=key).exclude(
        status_code=IdempotencyRecord.PENDING).first()
    if existing:
        return _replay(existing, method=method, path=path, digest=digest)
    return _run_once(scope=scope, key=key, method=method, path=path, digest=digest, handler=handler)


# --- the store: one row per (scope, key) ----------------------------------------------------

def idempotency_begin(*, scope, key, method, path, body_hash):
    """Take an API `Idempotency-Key` for a request inside the request's transaction (which must
    be open) and return its row, locked.

    The row is inserted first, pending (`status_code` 0), with `INSERT ... ON CONFLICT DO
    NOTHING`: a twin request racing with the same key waits on that insert until this
    transaction ends, then finds the first response committed (and replays it) or, if this
    request failed and rolled back, takes the key itself. A row returned pending is this
    transaction's own: run the work, then `idempotency_store` (or `idempotency_release`). A
    row returned complete was committed by an earlier request: replay it."""
    IdempotencyRecord.objects.bulk_create([IdempotencyRecord(
        scope=scope, key=key, method=method, path=path, body_hash=body_hash,
        status_code=IdempotencyRecord.PENDING, response={})], ignore_conflicts=True)
    return idempotency_record_for_update(scope=scope, key=key)


def idempotency_store(*, record, status_code, response):
    """Remember the successful response of the request that holds `record` (pending, taken by
    `idempotency_begin` in this transaction): it commits with the request's work.

    Records no event: the request's own service recorded the event of what it changed; this
    row is only the HTTP answer kept for a retry with the same key."""
    record.status_code = status_code
    record.response = json.loads(json.dumps(response, default=str))
    record.save(update_fields=["status_code", "response"])
    return record


def idempotency_release(*, record):
    """The request holding `record` did not succeed (a non-2xx answer that still commits): free
    the key, so a later retry runs again."""
    record.delete()
