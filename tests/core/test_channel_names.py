"""coop/core/channel_names.py: two deployments on one Redis server with different database
numbers do not hear each other's group sends (issue 18's `project_not_open` after the "work
opened" notice: Redis pub/sub ignores the database number, and the layer's channel names were
the same in both). The layers are built from coop/settings.py itself, run for each REDIS_URL, and
talk to the Redis that runs on every machine (STACK-NOTES)."""

import asyncio
import os
import runpy
from pathlib import Path

import pytest
from django.utils.module_loading import import_string

from coop.core.channel_names import channel_prefix

SETTINGS = Path(__file__).resolve().parents[2] / "coop" / "settings.py"
REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/11").rsplit("/", 1)[0]


def _layer_of(monkeypatch, redis_url, prefix=None):
    """The "default" channel layer as coop/settings.py configures it for `redis_url`."""
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)  # the URL as given, not moved per worker
    if prefix is None:
        monkeypatch.delenv("CHANNEL_LAYER_PREFIX", raising=False)
    else:
        monkeypatch.setenv("CHANNEL_LAYER_PREFIX", prefix)
    config = runpy.run_path(str(SETTINGS))["CHANNEL_LAYERS"]["default"]
    return import_string(config["BACKEND"])(**config.get("CONFIG", {}))


async def _heard(sender, receiver, group):
    """Whether a group send on `sender` reaches a channel of `receiver` in `group` (the same name)."""
    channel = await receiver.new_channel()
    await receiver.group_add(group, channel)
    try:
        await asyncio.sleep(0.2)  # the subscription reaches Redis
        await sender.group_send(group, {"type": "work.opened", "text": "{}"})
        try:
            await asyncio.wait_for(receiver.receive(channel), timeout=1.5)
            return True
        except TimeoutError:
            return False
    finally:
        await receiver.group_discard(group, channel)
        for layer in {id(sender): sender, id(receiver): receiver}.values():
            flush = getattr(layer, "flush", None)
            if flush is not None:
                await flush()


@pytest.mark.asyncio
async def test_a_group_send_does_not_cross_to_another_redis_database(monkeypatch):
    here = _layer_of(monkeypatch, f"{REDIS}/11")
    other = _layer_of(monkeypatch, f"{REDIS}/13")
    group = "work.coop.3"  # the same coop id in both deployments' own databases
    assert not await _heard(other, here, group)  # before: the other deployment's frame arrived here
    assert await _heard(_layer_of(monkeypatch, f"{REDIS}/11"), here, group)  # the same deployment still hears


@pytest.mark.asyncio
async def test_channel_layer_prefix_lets_two_deployments_share_one_database(monkeypatch):
    one = _layer_of(monkeypatch, f"{REDIS}/11", prefix="staging")
    two = _layer_of(monkeypatch, f"{REDIS}/11", prefix="production")
    assert not await _heard(two, one, "work.coop.4")


@pytest.mark.asyncio
async def test_a_group_send_does_not_cross_to_another_deployment_on_the_same_redis_database(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/atelier_one")
    one = _layer_of(monkeypatch, f"{REDIS}/11")
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/atelier_two")
    two = _layer_of(monkeypatch, f"{REDIS}/11")
    assert not await _heard(two, one, "work.coop.5")


def test_the_prefix_names_the_redis_database_and_the_database_served_or_the_setting():
    db = {"HOST": "127.0.0.1", "PORT": 5432, "NAME": "atelier"}
    assert channel_prefix("redis://127.0.0.1:6379/12", db).startswith("atelier12.")
    assert channel_prefix("redis://127.0.0.1:6379", db).startswith("atelier0.")
    assert channel_prefix("redis://127.0.0.1:6379/?db=5", db).startswith("atelier5.")
    assert channel_prefix("redis://h:6379/12", db) == channel_prefix("redis://h:6379/12", dict(db))  # stable
    assert channel_prefix("redis://h:6379/12", db) != channel_prefix("redis://h:6379/12", {**db, "NAME": "other"})
    assert channel_prefix("redis://127.0.0.1:6379/12", db, "federation-b") == "federation-b"
