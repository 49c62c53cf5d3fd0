"""The webhooks' jobs: the durable fan-out that follows the sequenced event log (a process that
dies between its commit and its after-commit fan-out loses no webhook), and the sweep of retries."""

import json

import pytest

from coop.eventlog.sequencer import sequence_pending
from tasks.services import assignment_claim, assignment_submit
from tasks.webhooks import jobs, services, signing
from tasks.webhooks.models import Delivery, LogCursor
from tests.factories import CoopFactory, member, published_project
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    coop = CoopFactory()
    project = published_project(coop, tasks=3, reward=100, estimated_minutes=2)
    return project, project.organisation.owner, member(coop).user


def _crashed_submit(worker, project):
    """Claim and submit, then "crash": the commit happened (the test's transaction stands for it)
    but the after-commit callbacks, the fan-out among them, never run."""
    assignment = assignment_claim(member=worker, project=project)
    return assignment_submit(member=worker, assignment=assignment, answers={"label": "yes"})


def test_a_crash_after_commit_loses_no_webhook(world, django_capture_on_commit_callbacks):
    project, owner, worker = world
    with Receiver() as receiver:
        with django_capture_on_commit_callbacks(execute=True):
            _subscription, secret = services.subscription_create(
                user=owner, organisation=project.organisation, url=receiver.url, events=["assignment.submitted"])
        assignment = _crashed_submit(worker, project)
        assert not Delivery.objects.exists() and receiver.received == []
        sequence_pending(include_own=True)
        with django_capture_on_commit_callbacks(execute=True):
            assert jobs.events_fan_out() == 1
        # run again: the cursor moved past it, and the deliveries are made once per fact anyway
        with django_capture_on_commit_callbacks(execute=True):
            assert jobs.events_fan_out() == 0
            LogCursor.objects.update(position=0)
            assert jobs.events_fan_out() == 0
    assert len(receiver.received) == 1
    got = receiver.received[0]
    assert signing.signature_verify(secret=secret, headers=got["headers"], body=got["body"])
    assert json.loads(got["body"])["data"]["assignment"] == assignment.pk
    assert Delivery.objects.get().status == Delivery.Status.SUCCEEDED


def test_the_catch_up_after_the_fast_path_sends_nothing_twice(world, django_capture_on_commit_callbacks):
    project, owner, worker = world
    with Receiver() as receiver:
        with django_capture_on_commit_callbacks(execute=True):
            services.subscription_create(user=owner, organisation=project.organisation, url=receiver.url,
                                         events=["assignment.submitted"])
            _crashed_submit(worker, project)  # callbacks run: the fast path delivers it
        assert len(receiver.received) == 1
        sequence_pending(include_own=True)
        with django_capture_on_commit_callbacks(execute=True):
            assert jobs.events_fan_out() == 0
    assert len(receiver.received) == 1 and Delivery.objects.count() == 1


def test_the_cursor_reads_in_batches_and_skips_organisations_without_subscriptions(world):
    project, _owner, worker = world
    for _ in range(3):
        _crashed_submit(worker, project)
    sequenced = sequence_pending(include_own=True)
    start = LogCursor.objects.filter(pk=1).values_list("position", flat=True).first() or 0
    read, made = services.events_fan_out(batch=2)
    assert (read, made) == (2, 0)  # nobody subscribed: nothing made, the cursor still moves
    assert jobs.events_fan_out(batch=2) == 0
    assert LogCursor.objects.get(pk=1).position == start + sequenced
