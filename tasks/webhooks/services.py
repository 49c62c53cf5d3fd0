"""Writes of the webhooks: subscriptions (the secret shown once, kept sealed), the deliveries
an event makes, each attempt, and the requester's replay.

Delivery protocol. A delivery is written once per (subscription, source) with its message id
and its exact body; `delivery_send` takes it in three steps so no HTTP call runs inside a
transaction: (1) under the delivery's row lock, check it is due, count the attempt and push
`next_attempt_at` past the time the call may take (a lease: a second worker finds it not
due); (2) sign and POST with no transaction open; (3) under the lock again, log the attempt
and either mark it delivered or set the next try: 30 s x 4^(n-1) after the n-th failure,
the last try at 24 hours after the delivery was made, then `failed`. A receiver may get a
message twice (a lease that ran out, a replay): `webhook-id` lets it de-duplicate.

Attempts record no event of the log: they are the delivery log itself, visible to the
requester, and an event per HTTP call would flood the log with transport noise. Subscription
changes and replays, the requester's decisions, record theirs."""

import json
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from accounts.keys import secret_seal, secret_unseal
from accounts.models import Organisation, User
from coop.core.db import execute_one, retry_transaction
from coop.eventlog.listeners import EventFacts
from coop.eventlog.selectors import events_heard_after
from coop.eventlog.services import event_record
from coop.federation.access import requester_staff_require
from tasks.webhooks import signing, transport
from tasks.webhooks.catalogue import SOURCE_TYPES, concerns_requester, wanted_types
from tasks.webhooks.errors import InvalidWebhook
from tasks.webhooks.locks import delivery_for_update, log_cursor_for_update, subscription_for_update
from tasks.webhooks.models import EVENT_CODES, Attempt, Delivery, Subscription
from tasks.webhooks.selectors import (
    body_data,
    organisation_balance,
    organisations_subscribed,
    project_completion,
    subscriptions_wanting,
)

RETRY_FOR = timedelta(hours=24)
FIRST_RETRY_SECONDS = 30
MAX_SUBSCRIPTIONS = 20


def retry_delay(failures: int) -> timedelta:
    """The wait after the `failures`-th failed attempt: 30 s, 2 min, 8 min, 32 min, 2 h 8 min, ..."""
    return timedelta(seconds=FIRST_RETRY_SECONDS * 4 ** max(0, failures - 1))


def _timeout():
    return float(getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", 10))


# --- subscriptions ---------------------------------------------------------------------------

def url_clean(url: str | None) -> str:
    """The address stripped, or InvalidWebhook: a full http(s) URL, no credentials, https unless
    WEBHOOK_ALLOW_PRIVATE_HOSTS (local tests)."""
    url = str(url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise InvalidWebhook(message=_("Enter a full http(s) address."), extra={"field": "url"})
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise InvalidWebhook(message=_("The address may not carry a user name or password."), extra={"field": "url"})
    if parts.scheme != "https" and not getattr(settings, "WEBHOOK_ALLOW_PRIVATE_HOSTS", False):
        raise InvalidWebhook(message=_("Webhooks are sent over https only."), extra={"field": "url"})
    return url


def events_clean(events: Iterable[str] | None) -> list[str]:
    """The event codes in catalogue order, or InvalidWebhook for an unknown code or none."""
    wanted = [str(code) for code in (events or [])]
    unknown = sorted(set(wanted) - set(EVENT_CODES))
    if unknown:
        raise InvalidWebhook(message=_("Unknown event type."), extra={"field": "events", "unknown": unknown})
    if not wanted:
        raise InvalidWebhook(message=_("Choose at least one event."), extra={"field": "events"})
    return [code for code in EVENT_CODES if code in wanted]


def _amount_clean(value):
    try:
        amount = int(value)
    except (TypeError, ValueError):
        amount = -1
    if amount < 0:
        raise InvalidWebhook(message=_("Enter an amount of zero or more."), extra={"field": "balance_low_below"})
    return amount


def _event(type_, subscription, actor, **extra):
    event_record(type=type_, actor=actor, subject=subscription,
                 payload={"subscription": subscription.pk, "organisation": subscription.organisation_id, **extra})


@retry_transaction
@transaction.atomic
def subscription_create(*, user: User, organisation: Organisation, url: str, events: Iterable[str],
                        description: str = "", balance_low_below: int = 0) -> tuple[Subscription, str]:
    """A staff member subscribes an address to events. Returns `(subscription, secret)`: the
    secret is shown this once; Atelier keeps it sealed (it must sign with it)."""
    requester_staff_require(user, organisation_id=organisation.pk)
    url, events = url_clean(url), events_clean(events)
    amount = _amount_clean(balance_low_below)
    if Subscription.objects.filter(organisation=organisation).count() >= MAX_SUBSCRIPTIONS:
        raise InvalidWebhook("too_many_webhooks", _("At most %(n)d webhooks per organisation.")
                             % {"n": MAX_SUBSCRIPTIONS}, {"limit": MAX_SUBSCRIPTIONS})
    secret = signing.secret_generate()
    subscription = Subscription.objects.create(
        organisation=organisation, url=url, events=events, description=str(description or "")[:120],
        secret_sealed=secret_seal(secret), secret_hint=secret[:10], balance_low_below=amount, created_by=user)
    _event("webhook.subscription_created", subscription, user, events=events)
    return subscription, secret


@retry_transaction
@transaction.atomic
def subscription_update(*, user: User, subscription: Subscription | int, url: str | None = None,
                        events: Iterable[str] | None = None, active: bool | None = None,
                        description: str | None = None, balance_low_below: int | None = None) -> Subscription:
    """Change what is given (None: keep it) of a subscription of the user's organisation."""
    subscription = subscription_for_update(getattr(subscription, "pk", subscription))
    requester_staff_require(user, organisation_id=subscription.organisation_id)
    if url is not None:
        subscription.url = url_clean(url)
    if events is not None:
        subscription.events = events_clean(events)
    if active is not None:
        subscription.active = bool(active)
    if description is not None:
        subscription.description = str(description)[:120]
    if balance_low_below is not None:
        subscription.balance_low_below = _amount_clean(balance_low_below)
    subscription.save()
    _event("webhook.subscription_updated", subscription, user, events=subscription.events,
           active=int(subscription.active))
    return subscription


@retry_transaction
@transaction.atomic
def subscription_secret_rotate(*, user: User, subscription: Subscription | int) -> tuple[Subscription, str]:
    """A new secret (shown once); the old one stops signing at once."""
    subscription = subscription_for_update(getattr(subscription, "pk", subscription))
    requester_staff_require(user, organisation_id=subscription.organisation_id)
    secret = signing.secret_generate()
    subscription.secret_sealed, subscription.secret_hint = secret_seal(secret), secret[:10]
    subscription.save(update_fields=["secret_sealed", "secret_hint"])
    _event("webhook.secret_rotated", subscription, user)
    return subscription, secret


@retry_transaction
@transaction.atomic
def subscription_delete(*, user: User, subscription: Subscription | int) -> None:
    """Remove a subscription with its delivery log (nothing more is sent to it)."""
    subscription = subscription_for_update(getattr(subscription, "pk", subscription))
    requester_staff_require(user, organisation_id=subscription.organisation_id)
    _event("webhook.subscription_deleted", subscription, user)
    Attempt.objects.filter(delivery__subscription=subscription).delete()
    subscription.deliveries.all().delete()
    subscription.delete()


# --- deliveries ------------------------------------------------------------------------------

def _body(webhook_type, data, now):
    return json.dumps({"type": webhook_type, "timestamp": now.isoformat().replace("+00:00", "Z"), "data": data},
                      sort_keys=True, separators=(",", ":"))


def _queue(delivery_ids, replay=False):
    for pk in delivery_ids:
        if replay:
            async_task("tasks.webhooks.jobs.delivery_send", pk, replay=True)
        else:
            async_task("tasks.webhooks.jobs.delivery_send", pk)


def _facts_bodies(facts, organisation_id, types, subscriptions, now):
    """[(webhook type, source key, data)] that this event makes, for the types some subscription wants."""
    found = []
    for webhook_type in types:
        if webhook_type == "project.completed":
            completion = project_completion(project_id=facts.payload.get("project"), organisation_id=organisation_id)
            if completion:
                found.append((webhook_type, completion[0], completion[1]))
        elif webhook_type == "balance.low":
            balance = organisation_balance(organisation_id=organisation_id)
            threshold = max(s.balance_low_below for s in subscriptions if "balance.low" in s.events)
            if balance < threshold:
                found.append((webhook_type, f"event:{facts.id}:balance.low",
                              {"organisation_balance": balance, "currency": settings.FEDERATION_CURRENCY}))
        else:
            data = body_data(webhook_type=webhook_type, facts=facts, organisation_id=organisation_id)
            if data is not None:
                found.append((webhook_type, f"event:{facts.id}:{webhook_type}", data))
    return found


# Most organisations subscribe to nothing: one prepared statement says so, outside any transaction
# (issue 18: the ORM's query in a transaction of its own was a third of a submission's client CPU).
ANY_ACTIVE_SQL = f"SELECT 1 FROM {Subscription._meta.db_table} WHERE organisation_id = %s AND active LIMIT 1"


def deliveries_create(*, facts: EventFacts, now: datetime | None = None) -> list[Delivery]:
    """The deliveries an event makes for its organisation's subscriptions (none: one prepared
    statement, no transaction). Each (subscription, source) once, so hearing an event twice sends
    nothing twice. Returns the new deliveries; they are queued after commit."""
    if execute_one(ANY_ACTIVE_SQL, [int(facts.payload["organisation"])]) is None:
        return []
    return _deliveries_create(facts=facts, now=now)


@retry_transaction
@transaction.atomic
def _deliveries_create(*, facts: EventFacts, now: datetime | None = None) -> list[Delivery]:
    now = now or timezone.now()
    organisation_id = int(facts.payload["organisation"])
    types = wanted_types(facts.type)
    subscriptions = subscriptions_wanting(organisation_id=organisation_id, types=types)
    if not subscriptions:
        return []
    types = [t for t in types if any(t in s.events for s in subscriptions)]
    created = []
    for webhook_type, source, data in _facts_bodies(facts, organisation_id, types, subscriptions, now):
        body = _body(webhook_type, data, now)
        for subscription in subscriptions:
            if webhook_type not in subscription.events:
                continue
            if webhook_type == "balance.low" and data["organisation_balance"] >= subscription.balance_low_below:
                continue
            try:
                with transaction.atomic():
                    created.append(Delivery.objects.create(
                        subscription=subscription, message_id="msg_" + secrets.token_hex(12),
                        event_type=webhook_type, source=source, body=body, next_attempt_at=now, created_at=now))
            except IntegrityError:
                continue  # already made for this subscription (the same fact heard again)
    ids = [d.pk for d in created]
    transaction.on_commit(lambda: _queue(ids))
    return created


@retry_transaction
@transaction.atomic
def events_fan_out(*, batch: int = 500, now: datetime | None = None) -> tuple[int, int]:
    """The durable path of the fan-out: read up to `batch` events of the sequenced log after
    the cursor and make the deliveries any of them still lacks, then move the cursor, in one
    transaction (a crash here rolls back and the next run reads the same events again). The
    listener's after-commit fan-out made most of them already: `deliveries_create` makes each
    (subscription, source) once, so this only fills what a process that died between its commit
    and its fan-out left out. Returns (positions read, deliveries made).

    Records no event: it makes the deliveries the listener would have made for events already
    in the log (the requester sees them in the delivery log); an event per run would only add
    noise to the log it reads."""
    cursor = log_cursor_for_update()
    position, heard = events_heard_after(position=cursor.position, types=SOURCE_TYPES, limit=batch)
    subscribed = organisations_subscribed() if heard else set()
    made = 0
    for facts in heard:
        if concerns_requester(facts) and int(facts.payload["organisation"]) in subscribed:
            made += len(deliveries_create(facts=facts, now=now))
    read = position - cursor.position
    if read:
        cursor.position, cursor.updated_at = position, now or timezone.now()
        cursor.save(update_fields=["position", "updated_at"])
    return read, made


def _take(delivery_id, now, replay):
    """Step 1: under the lock, count the attempt and lease it; None when it is not due."""
    with transaction.atomic():
        delivery = delivery_for_update(delivery_id)
        if not replay and (delivery.status != Delivery.Status.PENDING or delivery.next_attempt_at is None
                           or delivery.next_attempt_at > now):
            return None
        delivery.attempts += 1
        if delivery.status == Delivery.Status.PENDING:
            delivery.next_attempt_at = now + timedelta(seconds=_timeout() + 60)
        delivery.save(update_fields=["attempts", "next_attempt_at"])
        return delivery


def delivery_send(*, delivery_id: int, now: datetime | None = None, replay: bool = False) -> Attempt | None:
    """One attempt at a delivery (due, or asked for again by the requester). Returns the logged
    `Attempt`, or None when the delivery was not due. Not atomic: it must be the outermost
    code, so that no transaction is open during the HTTP call."""
    now = now or timezone.now()
    delivery = _take(delivery_id, now, replay)
    if delivery is None:
        return None
    subscription = delivery.subscription
    body = delivery.body.encode()
    headers = signing.headers_for(secret=secret_unseal(subscription.secret_sealed), message_id=delivery.message_id,
                                  body=body, timestamp=now.timestamp())
    outcome = transport.post(url=subscription.url, body=body, headers=headers, timeout=_timeout())
    return _log(delivery.pk, delivery.attempts, outcome, now, replay)


@retry_transaction
@transaction.atomic
def _log(delivery_id, number, outcome, now, replay):
    """Step 3: log the attempt; delivered, or the next try, or given up after 24 hours."""
    delivery = delivery_for_update(delivery_id)
    attempt = Attempt.objects.create(delivery=delivery, number=number, replay=replay, started_at=now,
                                     duration_ms=outcome.duration_ms, status_code=outcome.status_code,
                                     error=outcome.error, response_excerpt=outcome.excerpt)
    delivery.last_status_code = outcome.status_code
    if outcome.succeeded:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = Delivery.Status.SUCCEEDED, now, None
    elif delivery.status == Delivery.Status.PENDING:
        failures = Attempt.objects.filter(delivery=delivery, replay=False).count()
        last = delivery.created_at + RETRY_FOR
        if now >= last:
            delivery.status, delivery.next_attempt_at = Delivery.Status.FAILED, None
        else:
            delivery.next_attempt_at = min(last, now + retry_delay(failures))
    delivery.save(update_fields=["status", "delivered_at", "next_attempt_at", "last_status_code"])
    return attempt


@retry_transaction
@transaction.atomic
def delivery_replay(*, user: User, delivery: Delivery | int) -> Delivery:
    """The requester sends a delivery again now (the same message id and body, a fresh signature)."""
    delivery = delivery_for_update(getattr(delivery, "pk", delivery))
    requester_staff_require(user, organisation_id=delivery.subscription.organisation_id)
    event_record(type="webhook.delivery_replayed", actor=user, subject=delivery,
                 payload={"delivery": delivery.pk, "subscription": delivery.subscription_id,
                          "organisation": delivery.subscription.organisation_id})
    pk = delivery.pk
    transaction.on_commit(lambda: _queue([pk], replay=True))
    return delivery
