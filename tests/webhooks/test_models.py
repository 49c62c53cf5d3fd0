"""The webhooks' models (tasks/webhooks/models.py): the events in words, a body read back, an
attempt's success, and each delivery made once per subscription and source."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from tasks.webhooks import services
from tasks.webhooks.models import Attempt, Delivery, Subscription
from tests.factories import organisation


def test_event_labels_name_known_codes_and_keep_unknown_ones():
    subscription = Subscription(events=["assignment.submitted", "retired.type"])
    with translation.override("en"):
        assert [str(label) for label in subscription.event_labels()] == ["assignment submitted", "retired.type"]
    with translation.override("fr"):
        assert str(subscription.event_labels()[0]) == "travail soumis"


@pytest.mark.parametrize(("code", "succeeded"), [(None, False), (199, False), (200, True), (204, True),
                                                 (299, True), (301, False), (500, False)])
def test_an_attempt_succeeds_on_a_2xx_answer_only(code, succeeded):
    assert Attempt(status_code=code).succeeded is succeeded


def test_a_delivery_reads_its_body_back():
    assert Delivery(body='{"type":"balance.low","data":{"organisation_balance":5}}').body_json == {
        "type": "balance.low", "data": {"organisation_balance": 5}}


@pytest.mark.django_db
def test_one_delivery_per_subscription_and_source_and_no_negative_threshold():
    org = organisation()
    subscription, _secret = services.subscription_create(user=org.owner, organisation=org,
                                                         url="https://hooks.example/a", events=["balance.low"])
    Delivery.objects.create(subscription=subscription, message_id="msg_1", event_type="balance.low",
                            source="event:1:balance.low", body="{}")
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(subscription=subscription, message_id="msg_2", event_type="balance.low",
                                source="event:1:balance.low", body="{}")
    with pytest.raises(IntegrityError), transaction.atomic():
        Subscription.objects.filter(pk=subscription.pk).update(balance_low_below=-1)
