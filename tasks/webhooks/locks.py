"""The one place webhook rows are locked."""

from tasks.webhooks.models import Delivery, Subscription


def delivery_for_update(delivery_id: int) -> Delivery:
    return Delivery.objects.select_for_update().select_related("subscription").get(pk=delivery_id)


def subscription_for_update(subscription_id: int) -> Subscription:
    return Subscription.objects.select_for_update().get(pk=subscription_id)
