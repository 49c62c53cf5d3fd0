import json

from django.conf import settings
from django.db import models


class Event(models.Model):
    """One decision. Insert-only (database triggers refuse UPDATE and DELETE).

    Written only by `event_record`. `payload` holds the exact canonical JSON bytes (RFC 8785)
    that are hashed; `salt` blinds the payload hash in the public leaf. `txid` is filled by a
    PostgreSQL column default (`pg_current_xact_id()`), NULL on SQLite."""

    type = models.CharField(max_length=64)
    # No database foreign keys (nor single-column indexes) on coop and actor: a foreign key
    # check takes a KEY SHARE lock on the coop row for every event of that coop, so concurrent
    # services of one coop piled MultiXacts onto one row; the (coop, type) index serves the
    # reads. Coops and users are never deleted (PROTECT still guards the ORM) and an event
    # records ids as they were, like its payload.
    coop = models.ForeignKey("federation.Coop", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", db_constraint=False, db_index=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", db_constraint=False, db_index=False)
    subject_type = models.CharField(max_length=64)
    subject_id = models.CharField(max_length=64)
    payload = models.BinaryField()
    salt = models.BinaryField()
    occurred_at = models.BigIntegerField(help_text="UTC microseconds since the epoch")
    txid = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        indexes = [
            models.Index(fields=["subject_type", "subject_id"]),
            models.Index(fields=["coop", "type"]),
            models.Index(fields=["txid", "id"]),
        ]

    def __str__(self):
        return f"{self.type} {self.subject_type}:{self.subject_id}"

    @property
    def payload_json(self):
        """The payload, or None once it was erased (coop.eventlog.erasure)."""
        payload = bytes(self.payload)
        return json.loads(payload) if payload else None


class Sequenced(models.Model):
    """The position of one event in the log, with its leaf and chain hashes. Insert-only,
    written only by the sequencer (`coop.eventlog.sequencer`), one position per event."""

    position = models.BigIntegerField(primary_key=True)
    event = models.OneToOneField(Event, on_delete=models.PROTECT, related_name="sequenced")
    leaf_hash = models.BinaryField()
    chain_hash = models.BinaryField()
    sequenced_at = models.BigIntegerField(help_text="UTC microseconds since the epoch")

    class Meta:
        verbose_name = "sequenced event"

    def __str__(self):
        return f"#{self.position} (event {self.event_id})"


class Checkpoint(models.Model):
    """A signed tree head: the federation's Ed25519 signature over `message` (canonical JSON of
    origin, size, root, chain hash and time). Insert-only."""

    size = models.BigIntegerField(unique=True)
    root = models.BinaryField()
    chain_hash = models.BinaryField()
    signed_at = models.BigIntegerField(help_text="UTC microseconds since the epoch")
    origin = models.CharField(max_length=200)
    key_id = models.CharField(max_length=16)
    public_key = models.BinaryField()
    signature = models.BinaryField()
    # The right edge of the tree at `size` (a cache so the next checkpoint only hashes new
    # leaves; not signed, never trusted by verification).
    frontier = models.BinaryField(default=b"")

    class Meta:
        ordering = ["-size"]

    def __str__(self):
        return f"checkpoint {self.size}"
