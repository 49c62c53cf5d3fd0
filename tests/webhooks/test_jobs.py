"""The webhooks' jobs (tasks/webhooks/jobs.py): one attempt of one delivery, and the sweep of
every delivery due, which goes on past one that fails to run."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from tasks.webhooks import jobs, services
from tasks.webhooks.models import Attempt, Delivery
from tests.factories import organisation
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _local_receivers(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 2


def _deliveries(url, n, *, due=True):
    prefix = "due" if due else "later"
    org = organisation()
    subscription, _secret = services.subscription_create(user=org.owner, organisation=org, url=url,
                                                         events=["balance.low"])
    when = timezone.now() - timedelta(seconds=1) if due else timezone.now() + timedelta(hours=1)
    return [Delivery.objects.create(subscription=subscription, message_id=f"msg_{prefix}_{i}",
                                    event_type="balance.low", source=f"event:{i}:balance.low",
                                    body='{"type":"balance.low"}', next_attempt_at=when) for i in range(n)]


def test_delivery_send_makes_one_attempt_and_answers_its_status_code():
    with Receiver() as receiver:
        [delivery] = _deliveries(receiver.url, 1)
        assert jobs.delivery_send(delivery.pk) == 200
        assert jobs.delivery_send(delivery.pk) is None  # delivered: not due any more
        assert jobs.delivery_send(delivery.pk, replay=True) == 200  # the requester asked again
    assert len(receiver.received) == 2
    assert list(Attempt.objects.filter(delivery=delivery).values_list("replay", flat=True).order_by("number")) == [
        False, True]


def test_deliveries_due_sends_what_is_due_only():
    with Receiver(mode="fail") as receiver:
        due = _deliveries(receiver.url, 2)
        later = _deliveries(receiver.url, 1, due=False)
        assert jobs.deliveries_due() == 2
    assert len(receiver.received) == 2
    for delivery in due:
        delivery.refresh_from_db()
        assert delivery.status == Delivery.Status.PENDING and delivery.attempts == 1
        assert delivery.next_attempt_at > timezone.now()  # retried later
    assert Delivery.objects.get(pk=later[0].pk).attempts == 0


def test_deliveries_due_goes_on_past_one_that_fails_to_run(monkeypatch, caplog):
    with Receiver() as receiver:
        first, second = _deliveries(receiver.url, 2)
        send = jobs._send

        def flaky(*, delivery_id, now=None, replay=False):
            if delivery_id == first.pk:
                raise RuntimeError("the sealing key is missing")
            return send(delivery_id=delivery_id, now=now, replay=replay)

        monkeypatch.setattr(jobs, "_send", flaky)
        with caplog.at_level(logging.ERROR, logger="tasks.webhooks.jobs"):
            assert jobs.deliveries_due() == 1
    assert f"delivery {first.pk} could not be attempted" in caplog.text
    assert Delivery.objects.get(pk=second.pk).status == Delivery.Status.SUCCEEDED
