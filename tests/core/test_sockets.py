"""Atelier's consumers hand a channel-layer message straight to its handler (coop/core/sockets.py):
Channels' own dispatch first hops to the database thread, once per message and socket."""

import pytest
from channels.generic.websocket import AsyncWebsocketConsumer

from coop.core.sockets import Consumer
from coop.forums.consumers import ForumConsumer
from tasks.consumers import WorkConsumer


@pytest.fixture
def hops(monkeypatch):
    """Counts Channels' per-message trip to the database thread."""
    made = []

    async def counted():
        made.append(1)

    monkeypatch.setattr("channels.consumer.aclose_old_connections", counted)
    return made


def _with_handler(base):
    class Probe(base):
        seen = []

        async def forum_change(self, event):
            self.seen.append(event["seq"])

    return Probe()


@pytest.mark.asyncio
async def test_a_message_reaches_its_handler_without_a_database_hop(hops):
    consumer = _with_handler(Consumer)
    for seq in (1, 2, 3):
        await consumer.dispatch({"type": "forum.change", "seq": seq})
    assert consumer.seen == [1, 2, 3] and hops == []


@pytest.mark.asyncio
async def test_channels_own_dispatch_hops_once_per_message(hops):
    consumer = _with_handler(AsyncWebsocketConsumer)  # what Consumer replaces
    for seq in (1, 2, 3):
        await consumer.dispatch({"type": "forum.change", "seq": seq})
    assert consumer.seen == [1, 2, 3] and hops == [1, 1, 1]


@pytest.mark.asyncio
async def test_an_unknown_message_type_is_still_an_error(hops):
    with pytest.raises(ValueError, match="No handler for message type nobody.knows"):
        await Consumer().dispatch({"type": "nobody.knows"})


def test_the_forums_and_the_work_socket_use_it():
    assert issubclass(ForumConsumer, Consumer) and issubclass(WorkConsumer, Consumer)
