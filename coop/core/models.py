"""The one table of coop.core: the API's `Idempotency-Key` store (coop.core.idempotency).

It lived in the ledger until issue 17 (an HTTP concern, used by every app's API); the table
kept its name (`ledger_idempotencyrecord`), only Django's state moved (core 0001, ledger 0010)."""

from django.db import models
from django.utils import timezone


class IdempotencyRecord(models.Model):
    """An API `Idempotency-Key` seen for one scope (an organisation, or a user acting for
    themself): the request it was first used for (method, path, hash of the body) and the first
    response, replayed on retries. A key is used once per scope: on another method or path it is
    refused. Inside its request's transaction the row is written first, with `status_code` 0
    (pending), so a racing twin waits on it; a committed row always holds a 2xx response."""

    PENDING = 0

    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=10, blank=True)  # blank: stored before issue 15 (any path)
    path = models.CharField(max_length=500, blank=True)
    body_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "ledger_idempotencyrecord"  # the table it had in the ledger: no data moved
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="ledger_idempotency_unique")]

    def __str__(self):
        return f"{self.scope} {self.key}"
