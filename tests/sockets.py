"""Websocket tests that run on SQLite and PostgreSQL alike.

A sync test drives an async scenario with `run(scenario)`: under an outer `async_to_sync`,
the consumers' database calls come back to the test's own thread, so they see the test's
uncommitted rows (no `transaction=True`, no flush of the append-only tables), and channels'
`close_old_connections` is turned off so it cannot close that transaction. Writes that
push to sockets after commit go through `committed(fn)`, which runs the on-commit callbacks.
Every socket sends an `origin` header (the app is wrapped in AllowedHostsOriginValidator)."""

from unittest import mock

from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import TestCase

from coop.asgi import application
from tests.factories import session_cookie

TIMEOUT = 5


def run(scenario, *args):
    # channels closes "old" connections around each database call; here the connection is the
    # test's own transaction (a database error caught inside a service marks it for closing)
    with mock.patch("channels.db.close_old_connections", lambda: None):
        return async_to_sync(scenario)(*args)


async def connect(user=None, path="/ws/forums/", origin=b"http://127.0.0.1"):
    """An accepted socket on `path` (the forums' by default); asserts the handshake succeeded."""
    socket, connected = await handshake(user, path, origin)
    assert connected
    return socket


async def handshake(user=None, path="/ws/forums/", origin=b"http://127.0.0.1"):
    """(socket, whether the handshake was accepted): for checks that expect a refusal."""
    headers = [(b"origin", origin)]
    if user is not None:
        key = await sync_to_async(session_cookie)(user)
        headers.append((b"cookie", f"sessionid={key}".encode()))
    socket = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await socket.connect(timeout=TIMEOUT)
    return socket, connected


async def recv(socket):
    return await socket.receive_json_from(timeout=TIMEOUT)


async def join(socket, room_id, since=0):
    """Join and collect the catch-up: (messages, last frame: `joined` or `error`)."""
    await socket.send_json_to({"type": "join", "room": room_id, "since": since})
    got = []
    while True:
        frame = await recv(socket)
        if frame["type"] != "message":
            return got, frame
        got.append(frame["message"])


def committed(fn, *args, **kwargs):
    """Run `fn` in the test's thread and then its on-commit callbacks (the pushes)."""

    def call():
        with TestCase.captureOnCommitCallbacks(execute=True):
            return fn(*args, **kwargs)

    return sync_to_async(call)()
