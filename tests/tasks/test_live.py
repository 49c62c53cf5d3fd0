"""The "work opened" push (tasks/live.py): the frame says what the feed says, it is sent to the
coop's group only after the transaction commits, and a channel layer that fails is logged,
never raised into the publication."""

import asyncio
import json
import logging

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction

from tasks import live
from tests.factories import CoopFactory, open_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    return open_project(CoopFactory(), tasks=4, reward=50, estimated_minutes=2)


def test_work_group_is_per_coop_and_refuses_a_non_number():
    assert live.work_group(7) == live.work_group("7") == "work.coop.7"
    with pytest.raises(ValueError):
        live.work_group("7;drop")


def test_work_frame_is_what_the_feed_shows(project):
    frame = live.work_frame(project, kind="published")
    assert frame["type"] == "work_opened" and frame["kind"] == "published"
    assert (frame["project"], frame["reward"], frame["hourly"], frame["remaining"]) == (project.pk, 50, 1500, 4)
    assert frame["url"] == f"/work/projects/{project.pk}/" and frame["fair_share_until"] is None
    assert frame["opened_at"] == project.batch_opened_at.isoformat()
    assert json.loads(live.encode(frame)) == frame
    assert " " not in live.encode({"a": [1, 2]})


def test_work_opened_later_sends_after_commit_only(project, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        live.work_opened_later(project, kind="tasks_added")
    assert len(callbacks) == 1

    async def listen_then_commit():
        # one event loop for the listener, as a consumer has: channels-redis's pub/sub layer
        # only adds to a group a channel made in the same process and loop
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(live.work_group(project.coop_id), channel)
        await sync_to_async(callbacks[0])()  # the commit: the push is sent now
        return await asyncio.wait_for(layer.receive(channel), timeout=5)

    message = async_to_sync(listen_then_commit)()
    sent = json.loads(message["text"])
    assert message["type"] == "work.opened"
    assert (sent["kind"], sent["project"], sent["title"]) == ("tasks_added", project.pk, project.title)
    assert "sent_at" in sent


def test_a_project_open_only_in_some_countries_is_not_pushed_to_the_whole_coop(project,
                                                                              django_capture_on_commit_callbacks):
    # issue 23: the group is every member's; the feed hides it from those whose country it excludes
    project.legal_reason, project.legal_reason_text = "export_control", "EAR 740."
    with django_capture_on_commit_callbacks() as callbacks:
        live.work_opened_later(project, kind="published")
    assert callbacks == []


def test_work_opened_later_refuses_an_unknown_kind(project):
    with pytest.raises(AssertionError):
        live.work_opened_later(project, kind="deleted")


def test_nothing_is_sent_when_the_transaction_rolls_back(project, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        try:
            with transaction.atomic():
                live.work_opened_later(project, kind="published")
                raise RuntimeError("the publication failed")
        except RuntimeError:
            pass
    assert callbacks == []


def test_a_failing_channel_layer_is_logged_not_raised(project, monkeypatch, caplog):
    layer = get_channel_layer()

    async def broken(group, message):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(layer, "group_send", broken)
    with caplog.at_level(logging.ERROR, logger="tasks.live"):
        live.work_push(coop_id=project.coop_id, frame=live.work_frame(project, kind="published"))
    assert "telling the sockets of coop" in caplog.text
