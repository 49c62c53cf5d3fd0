"""The one place webhook rows are locked."""

from tasks.webhooks.models import Delivery, LogCursor, Subscription


def delivery_for_update(delivery_id: int) -> Delivery:
    return Delivery.objects.select_for_update().select_related("subscription").get(pk=delivery_id)


def subscription_for_update(subscription_id: int) -> Subscription:
    return Subscription.objects.select_for_update().get(pk=subscription_id)


def log_cursor_for_update() -> LogCursor:
    """The fan-out's cursor on the event log, locked: one catch-up at a time (a second waits,
    then reads from where the first stopped)."""
    cursor = LogCursor.objects.select_for_update().filter(pk=1).first()
    if cursor is None:  # a database emptied since the migration made it (tests that flush)
        LogCursor.objects.get_or_create(pk=1)
        cursor = LogCursor.objects.select_for_update().get(pk=1)
    return cursor
