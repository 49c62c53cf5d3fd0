"""A requester organisation's webhook subscriptions, the deliveries made for them (one per
event and subscription, with its fixed message id and body) and each delivery's attempts."""

import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

EVENT_TYPES = [
    ("assignment.submitted", _("assignment submitted")),
    ("assignment.approved", _("assignment approved")),
    ("assignment.rejected", _("assignment rejected")),
    ("assignment.appealed", _("assignment appealed")),
    ("assignment.decided", _("appeal decided")),
    ("project.completed", _("project completed")),
    ("balance.low", _("balance low")),
    ("aggregation.ready", _("aggregation ready")),
]
EVENT_CODES = [code for code, _label in EVENT_TYPES]


class Subscription(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE,
                                     related_name="webhook_subscriptions")
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(default=list)  # codes of EVENT_TYPES
    description = models.CharField(_("description"), max_length=120, blank=True)
    # the signing secret, sealed (accounts.keys.secret_seal): the signer needs it in clear, so a
    # hash is not enough; a database dump holds only ciphertext
    secret_sealed = models.TextField(editable=False)
    secret_hint = models.CharField(max_length=16, editable=False)  # "whsec_" and 4 characters
    # balance.low fires when a hold leaves the organisation's balance below this (minor units)
    balance_low_below = models.BigIntegerField(_("balance low below"), default=0)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=Q(balance_low_below__gte=0), name="webhook_low_not_negative")]

    def __str__(self):
        return f"webhook {self.pk} of organisation {self.organisation_id}"

    def event_labels(self):
        labels = dict(EVENT_TYPES)
        return [labels.get(code, code) for code in self.events]


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SUCCEEDED = "succeeded", _("delivered")
        FAILED = "failed", _("failed (gave up)")

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    message_id = models.CharField(max_length=40, unique=True)  # webhook-id: the same on every attempt
    event_type = models.CharField(max_length=40)
    # what made it: "event:<id>" or a derived fact ("project:<id>:completed:<holds>"), once per subscription
    source = models.CharField(max_length=80)
    body = models.TextField()  # the exact JSON bytes signed and sent
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [models.UniqueConstraint(fields=["subscription", "source"], name="webhook_delivery_once")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self):
        return f"delivery {self.message_id} ({self.status})"

    @property
    def body_json(self):
        return json.loads(self.body)


class Attempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    replay = models.BooleanField(default=False)  # asked for by the requester
    started_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveIntegerField(null=True, blank=True)  # None: no HTTP answer
    error = models.CharField(max_length=200, blank=True)  # timeout, refused, ...
    response_excerpt = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_number_once")]

    def __str__(self):
        return f"attempt {self.number} of {self.delivery_id}"

    @property
    def succeeded(self):
        return self.status_code is not None and 200 <= self.status_code < 300


class LogCursor(models.Model):
    """How far the durable fan-out has read the sequenced event log (one row, pk 1): every
    event at or before `position` has had its deliveries made (tasks.webhooks.services
    `events_fan_out`). Created at the log's head when the webhooks were installed."""

    position = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"webhooks read the log to #{self.position}"
