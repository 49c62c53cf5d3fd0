"""Two ASGI server processes sharing rooms through the Redis channel layer, and sharing the
rate limit through the Redis cache."""

import asyncio
import json

import pytest
import websockets
from django.conf import settings

from coop.forums.registry import room_for
from tests.factories import member, session_cookie

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


async def open_socket(server, cookie):
    socket = await websockets.connect(f"{server.ws_url}/ws/forums/", origin=server.url,
                                      additional_headers={"Cookie": f"sessionid={cookie}"}, open_timeout=10)
    return socket


async def frame(socket, want=None):
    while True:
        data = json.loads(await asyncio.wait_for(socket.recv(), timeout=10))
        if want is None or data["type"] == want:
            return data


async def joined(socket, room_id, since=0):
    await socket.send(json.dumps({"type": "join", "room": room_id, "since": since}))
    messages = []
    while True:
        data = await frame(socket)
        if data["type"] == "joined":
            return messages
        messages.append(data["message"])


def test_a_message_sent_through_one_process_reaches_a_client_of_the_other(asgi_servers):
    assert settings.REDIS_URL, "this test runs in the PostgreSQL + Redis pass"
    alice = member()
    bob = member(coop=alice.coop)
    room = room_for(alice.coop)
    cookies = {"alice": session_cookie(alice.user), "bob": session_cookie(bob.user)}
    one, two = asgi_servers(2, env={"FORUMS_RATE_LIMIT": "3/60"})

    async def scenario():
        sock_a = await open_socket(one, cookies["alice"])
        sock_b = await open_socket(two, cookies["bob"])
        await joined(sock_a, room.pk)
        await joined(sock_b, room.pk)
        await sock_a.send(json.dumps({"type": "post", "room": room.pk, "body": "from process one", "ref": "a"}))
        got = await frame(sock_b, "message")
        assert (got["message"]["body"], got["message"]["seq"]) == ("from process one", 1)
        await sock_b.send(json.dumps({"type": "post", "room": room.pk, "body": "from process two"}))
        got = await frame(sock_a, "message")
        while got["message"]["seq"] < 2:
            got = await frame(sock_a, "message")
        assert got["message"]["body"] == "from process two"
        # Bob drops off, Alice goes on; Bob comes back through the other process and catches up
        await sock_b.close()
        for n in range(2):
            await sock_a.send(json.dumps({"type": "post", "room": room.pk, "body": f"while away {n}"}))
            await frame(sock_a, "posted")
        # Alice's fourth message in the window is refused: the limit is shared by both processes
        await sock_a.send(json.dumps({"type": "post", "room": room.pk, "body": "one too many", "ref": "z"}))
        error = await frame(sock_a, "error")
        assert (error["code"], error["ref"]) == ("rate_limited", "z")
        sock_b = await open_socket(one, cookies["bob"])
        missed = await joined(sock_b, room.pk, since=2)
        assert [m["body"] for m in missed] == ["while away 0", "while away 1"]
        await sock_a.close()
        await sock_b.close()

    asyncio.run(scenario())
