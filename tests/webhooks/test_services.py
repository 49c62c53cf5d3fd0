"""Webhooks end to end against a real receiver on 127.0.0.1: signed as Standard Webhooks
says (checked on the published test vector), pseudonyms only, retried with backoff for 24
hours on a 500 or a timeout, logged, replayed; nothing sent for a change rolled back."""

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.keys import secret_unseal
from accounts.pseudonyms import worker_pseudonym
from coop.eventlog.models import Event
from tasks.services import assignment_approve, assignment_claim, assignment_reject, assignment_submit
from tasks.webhooks import jobs, services, signing
from tasks.webhooks.errors import InvalidWebhook
from tasks.webhooks.models import Attempt, Delivery, Subscription
from tests.factories import CoopFactory, member, published_project
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.django_db


def test_signature_matches_the_standard_webhooks_published_vector():
    # the test vector of the Standard Webhooks specification (and of Svix's libraries)
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = '{"test": 2432232314}'
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert signing.signature(secret=secret, message_id="msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp=1614265330,
                             body=body) == expected
    headers = {"webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp": "1614265330",
               "webhook-signature": "v1,bm90LXRoaXM= " + expected}
    assert signing.signature_verify(secret=secret, headers=headers, body=body, now=1614265330 + 60)
    assert not signing.signature_verify(secret=secret, headers=headers, body=body + " ", now=1614265330)
    assert not signing.signature_verify(secret=secret, headers=headers, body=body, now=1614265330 + 301)


@pytest.fixture
def world():
    coop = CoopFactory()
    project = published_project(coop, tasks=2, reward=100, estimated_minutes=2)
    worker = member(coop).user
    return project, project.organisation.owner, worker


def _subscribe(project, owner, url, events, **kwargs):
    return services.subscription_create(user=owner, organisation=project.organisation, url=url, events=events,
                                        **kwargs)


def _submit(capture, worker, project):
    with capture(execute=True):
        assignment = assignment_claim(member=worker, project=project)
        return assignment_submit(member=worker, assignment=assignment, answers={"label": "yes"})


def test_create_shows_the_secret_once_and_keeps_it_sealed(world):
    project, owner, _worker = world
    subscription, secret = _subscribe(project, owner, "https://hooks.example/atelier", ["assignment.submitted"])
    assert secret.startswith("whsec_") and len(secret) > 40
    row = Subscription.objects.get(pk=subscription.pk)
    assert secret not in row.secret_sealed and secret_unseal(row.secret_sealed) == secret
    assert row.secret_hint == secret[:10]
    assert Event.objects.filter(type="webhook.subscription_created").count() == 1


@pytest.mark.parametrize("url,allow_private,field", [
    ("ftp://hooks.example/x", True, "url"),
    ("https://user:pw@hooks.example/x", True, "url"),
    ("not a url", True, "url"),
    ("http://hooks.example/x", False, "url"),  # plain http outside development
])
def test_bad_address_is_refused_with_its_field_and_nothing_is_written(world, settings, url, allow_private, field):
    project, owner, _worker = world
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = allow_private
    with pytest.raises(InvalidWebhook) as refused:
        _subscribe(project, owner, url, ["assignment.submitted"])
    assert refused.value.extra["field"] == field
    assert not Subscription.objects.exists()


def test_unknown_event_and_another_organisations_staff_are_refused(world):
    project, owner, worker = world
    with pytest.raises(InvalidWebhook) as refused:
        _subscribe(project, owner, "https://hooks.example/x", ["assignment.eaten"])
    assert refused.value.extra == {"field": "events", "unknown": ["assignment.eaten"]}
    with pytest.raises(Exception) as forbidden:
        services.subscription_create(user=worker, organisation=project.organisation, url="https://hooks.example/x",
                                     events=["assignment.submitted"])
    assert getattr(forbidden.value, "status", None) == 403
    assert not Subscription.objects.exists()


def test_submitted_work_is_delivered_signed_with_the_pseudonym_only(world, django_capture_on_commit_callbacks):
    project, owner, worker = world
    with Receiver() as receiver:
        subscription, secret = _subscribe(project, owner, receiver.url, ["assignment.submitted"])
        assignment = _submit(django_capture_on_commit_callbacks, worker, project)
    assert len(receiver.received) == 1
    got = receiver.received[0]
    assert signing.signature_verify(secret=secret, headers=got["headers"], body=got["body"])
    body = json.loads(got["body"])
    assert body["type"] == "assignment.submitted"
    assert body["data"] == {
        "assignment": assignment.pk, "task": assignment.task_id, "project": project.pk, "status": "submitted",
        "worker": worker_pseudonym(user=worker, organisation=project.organisation), "answers": {"label": "yes"},
        "submitted_at": assignment.submitted_at.isoformat()}
    assert worker.email not in got["body"].decode() and '"member"' not in got["body"].decode()
    delivery = Delivery.objects.get()
    assert got["headers"]["webhook-id"] == delivery.message_id
    assert delivery.status == Delivery.Status.SUCCEEDED and delivery.attempts == 1
    assert list(Attempt.objects.values_list("status_code", flat=True)) == [200]


def test_a_change_rolled_back_sends_nothing(world, django_capture_on_commit_callbacks):
    project, owner, worker = world
    with Receiver() as receiver:
        _subscribe(project, owner, receiver.url, ["assignment.submitted"])
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                assignment = assignment_claim(member=worker, project=project)
                assignment_submit(member=worker, assignment=assignment, answers={"label": "yes"})
                transaction.set_rollback(True)
    assert receiver.received == [] and not Delivery.objects.exists()


def test_a_failing_receiver_is_retried_with_backoff_then_given_up_after_24_hours(
        world, django_capture_on_commit_callbacks):
    project, owner, worker = world
    with Receiver(mode="fail") as receiver:
        _subscribe(project, owner, receiver.url, ["assignment.submitted"])
        _submit(django_capture_on_commit_callbacks, worker, project)
        delivery = Delivery.objects.get()
        first = delivery.attempt_log.get()
        assert (first.status_code, first.response_excerpt) == (500, "boom")
        assert delivery.status == Delivery.Status.PENDING
        waits = [delivery.next_attempt_at - first.started_at]
        assert jobs.deliveries_due(now=first.started_at + timedelta(seconds=10)) == 0  # not due yet
        clock = first.started_at
        while delivery.status == Delivery.Status.PENDING:
            clock = delivery.next_attempt_at
            assert jobs.deliveries_due(now=clock) == 1
            delivery.refresh_from_db()
            if delivery.next_attempt_at:
                waits.append(delivery.next_attempt_at - clock)
    assert [int(w.total_seconds()) for w in waits[:6]] == [30, 120, 480, 1920, 7680, 30720]
    assert delivery.status == Delivery.Status.FAILED
    assert clock == delivery.created_at + timedelta(hours=24)  # the last try at 24 hours, not later
    assert delivery.attempts == 8 == len(receiver.received) == delivery.attempt_log.count()
    assert {r["headers"]["webhook-id"] for r in receiver.received} == {delivery.message_id}


def test_a_receiver_that_times_out_is_logged_and_retried(world, settings, django_capture_on_commit_callbacks):
    project, owner, worker = world
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    with Receiver(mode="slow", delay=1.5) as receiver:
        _subscribe(project, owner, receiver.url, ["assignment.submitted"])
        _submit(django_capture_on_commit_callbacks, worker, project)
    attempt = Attempt.objects.get()
    assert attempt.status_code is None and attempt.error == "timeout"
    assert 250 <= attempt.duration_ms < 1500
    assert Delivery.objects.get().status == Delivery.Status.PENDING


def test_replay_sends_the_same_message_again_and_a_success_ends_the_retries(
        world, django_capture_on_commit_callbacks):
    project, owner, worker = world
    with Receiver(mode="fail") as receiver:
        subscription, secret = _subscribe(project, owner, receiver.url, ["assignment.submitted"])
        _submit(django_capture_on_commit_callbacks, worker, project)
        delivery = Delivery.objects.get()
        receiver.mode = "ok"
        with django_capture_on_commit_callbacks(execute=True):
            services.delivery_replay(user=owner, delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SUCCEEDED and delivery.next_attempt_at is None
    assert [(a.number, a.replay, a.status_code) for a in delivery.attempt_log.order_by("number")] == [
        (1, False, 500), (2, True, 200)]
    assert receiver.received[0]["body"] == receiver.received[1]["body"]
    assert signing.signature_verify(secret=secret, headers=receiver.received[1]["headers"],
                                    body=receiver.received[1]["body"])
    assert jobs.deliveries_due(now=timezone.now() + timedelta(days=2)) == 0
    assert Event.objects.filter(type="webhook.delivery_replayed").count() == 1


def test_private_addresses_are_refused_outside_development(world, settings, django_capture_on_commit_callbacks):
    project, owner, worker = world
    with Receiver() as receiver:
        _subscribe(project, owner, receiver.url, ["assignment.submitted"])
        settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
        _submit(django_capture_on_commit_callbacks, worker, project)
    assert receiver.received == []
    assert Attempt.objects.get().error == "private_address"


def test_approved_rejected_and_project_completed(world, django_capture_on_commit_callbacks):
    project, owner, worker = world
    other = member(project.coop).user
    events = ["assignment.approved", "assignment.rejected", "project.completed"]
    with Receiver() as receiver:
        _subscribe(project, owner, receiver.url, events)
        first = _submit(django_capture_on_commit_callbacks, worker, project)
        second = _submit(django_capture_on_commit_callbacks, other, project)
        with django_capture_on_commit_callbacks(execute=True):
            assignment_approve(actor=owner, assignment=first)
        assert [json.loads(r["body"])["type"] for r in receiver.received] == ["assignment.approved"]
        with django_capture_on_commit_callbacks(execute=True):
            assignment_reject(actor=owner, assignment=second, reason="incomplete",
                              explanation="The picture was not labelled at all, see the instructions.")
    types = [json.loads(r["body"])["type"] for r in receiver.received]
    assert types == ["assignment.approved", "assignment.rejected", "project.completed"]
    completed = json.loads(receiver.received[2]["body"])["data"]
    assert completed == {"project": project.pk, "tasks": 2, "approved": 1, "rejected": 1}


def test_balance_low_when_a_hold_leaves_the_balance_below_the_threshold(django_capture_on_commit_callbacks):
    coop = CoopFactory()
    first = published_project(coop, tasks=1, reward=100, funds=10_000)
    owner = first.organisation.owner
    with Receiver() as receiver:
        services.subscription_create(user=owner, organisation=first.organisation, url=receiver.url,
                                     events=["balance.low"], balance_low_below=9_900)
        with django_capture_on_commit_callbacks(execute=True):
            published_project(coop, tasks=1, reward=100, funds=1, organisation=first.organisation)
    bodies = [json.loads(r["body"]) for r in receiver.received]
    assert [b["type"] for b in bodies] == ["balance.low"]
    assert bodies[0]["data"]["organisation_balance"] < 9_900
