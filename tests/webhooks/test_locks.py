"""The webhooks' row locks (tasks/webhooks/locks.py): each returns its row (a delivery with its
subscription), and a missing row raises."""

import pytest
from django.db import transaction

from tasks.webhooks import locks, services
from tasks.webhooks.models import Delivery, Subscription
from tests.factories import organisation

pytestmark = pytest.mark.django_db


def test_delivery_and_subscription_locks():
    org = organisation()
    subscription, _secret = services.subscription_create(user=org.owner, organisation=org,
                                                         url="https://hooks.example/a", events=["balance.low"])
    delivery = Delivery.objects.create(subscription=subscription, message_id="msg_1", event_type="balance.low",
                                       source="event:1:balance.low", body="{}")
    with transaction.atomic():
        locked = locks.delivery_for_update(delivery.pk)
        assert locked == delivery and locked.subscription.url == "https://hooks.example/a"
        assert locks.subscription_for_update(subscription.pk) == subscription
    with pytest.raises(Delivery.DoesNotExist), transaction.atomic():
        locks.delivery_for_update(delivery.pk + 1000)
    with pytest.raises(Subscription.DoesNotExist), transaction.atomic():
        locks.subscription_for_update(subscription.pk + 1000)
