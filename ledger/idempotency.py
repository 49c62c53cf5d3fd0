"""The API's `Idempotency-Key` header (DESIGN.md seam 2).

`idempotent(request=..., scope=..., handler=...)` runs `handler()` (which calls a service
and returns a DRF Response) once per (scope, key): a replay with the same body gets the first
response (with `Idempotent-Replayed: true`), the same key with another body gets 409
`idempotency_key_reused`. The scope is the organisation the caller acts for (`org:<id>`), or
the user acting for themself (`user:<id>`). Only successful responses are stored, so a
request refused for a reason that can change (insufficient funds) may be retried. Other
apps' POST endpoints (the marketplace) can use it the same way."""

import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework.response import Response

from coop.core.errors import DomainError
from ledger.errors import KeyReused
from ledger.models import IdempotencyRecord

HEADER = "Idempotency-Key"


def body_hash(data):
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()


def _replay(record, digest):
    if record.body_hash != digest:
        raise KeyReused(message=_("This Idempotency-Key was already used with a different request body."),
                        extra={"key": record.key})
    return Response(record.response, status=record.status_code, headers={"Idempotent-Replayed": "true"})


def idempotent(*, request, scope, handler):
    key = request.headers.get(HEADER)
    if key is None:
        return handler()
    key = key.strip()
    if not key or len(key) > 200 or "\x00" in key:
        raise DomainError("invalid_idempotency_key", _("An Idempotency-Key must be 1 to 200 characters."))
    digest = body_hash(request.data)
    existing = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
    if existing:
        return _replay(existing, digest)
    try:
        with transaction.atomic():
            response = handler()
            if 200 <= response.status_code < 300:
                from ledger.services import idempotency_store

                idempotency_store(scope=scope, key=key, body_hash=digest, status_code=response.status_code,
                                  response=response.data)
    except IntegrityError:
        # the same key raced us and won: our work was rolled back with the savepoint
        existing = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
        if existing is None:
            raise
        return _replay(existing, digest)
    return response
