"""What Atelier's websocket consumers share (the forums' socket, the work socket).

Channels' `AsyncConsumer.dispatch` hops to the database thread (`sync_to_async(
close_old_connections)`) before EVERY message it hands to a handler: for one forum message fanned
out to 500 sockets of a process, 500 hops through the one thread that also runs every query of
the process (`database_sync_to_async` is thread-sensitive), one after the other. Atelier's
consumers reach the database only through `database_sync_to_async`, which closes stale
connections itself before and after each call, so the hop does nothing for them (issue 18:
measured in docs/benchmarks.md). `Consumer.dispatch` hands the message over directly."""

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer


class Consumer(AsyncWebsocketConsumer):
    """An AsyncWebsocketConsumer whose handlers touch the database only through
    `database_sync_to_async` (never the ORM directly in a coroutine)."""

    async def dispatch(self, message):
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)
