"""The forums websocket through the whole ASGI stack (origin check, session auth, routing).

Pushes happen after commit, so these tests commit for real (`transaction=True`), which
needs PostgreSQL (SQLite cannot flush the append-only event tables)."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from coop.asgi import application
from coop.forums import services
from coop.forums.models import Room
from tests.factories import coop_room, member, post, session_cookie, steward

pytestmark = [pytest.mark.asyncio, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TIMEOUT = 5


async def connect(user=None, origin=b"http://127.0.0.1"):
    headers = [(b"origin", origin)]
    if user is not None:
        key = await sync_to_async(session_cookie)(user)
        headers.append((b"cookie", f"sessionid={key}".encode()))
    socket = WebsocketCommunicator(application, "/ws/forums/", headers=headers)
    connected, _ = await socket.connect(timeout=TIMEOUT)
    assert connected
    return socket


async def recv(socket):
    return await socket.receive_json_from(timeout=TIMEOUT)


async def join(socket, room, since=0):
    """Join and collect the catch-up: (messages, joined frame)."""
    await socket.send_json_to({"type": "join", "room": room.pk, "since": since})
    got = []
    while True:
        frame = await recv(socket)
        if frame["type"] == "joined":
            return got, frame
        assert frame["type"] == "message", frame
        got.append(frame["message"])


@sync_to_async
def given_a_coop(messages=0):
    alice = member()
    bob = member(coop=alice.coop)
    boss = steward(coop=alice.coop)
    room = coop_room(alice.coop)
    for n in range(messages):
        post(alice, f"message {n + 1}")
    return alice, bob, boss, room


async def test_join_catches_up_then_receives_live_messages():
    alice, bob, boss, room = await given_a_coop(messages=2)
    socket = await connect(bob.user)
    got, joined = await join(socket, room)
    assert [(m["seq"], m["body"], m["mine"]) for m in got] == [(1, "message 1", False), (2, "message 2", False)]
    assert joined == {"type": "joined", "room": room.pk, "head": 2, "can_write": True, "moderator": False}
    await sync_to_async(post)(alice, "live **one**")
    frame = await recv(socket)
    assert frame["type"] == "message" and frame["room"] == room.pk
    message = frame["message"]
    assert (message["seq"], message["html"], message["author"]) == (3, "<p>live <strong>one</strong></p>",
                                                                     alice.user.display_name)
    assert "author_id" not in message and alice.user.email not in json.dumps(frame)
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_post_through_the_socket_reaches_every_reader():
    alice, bob, boss, room = await given_a_coop()
    sock_a, sock_b = await connect(alice.user), await connect(bob.user)
    await join(sock_a, room)
    await join(sock_b, room)
    await sock_b.send_json_to({"type": "post", "room": room.pk, "body": "Hello from Bob", "ref": "r1"})
    frames = [await recv(sock_b), await recv(sock_b)]
    posted = next(f for f in frames if f["type"] == "posted")
    own = next(f for f in frames if f["type"] == "message")
    assert posted["ref"] == "r1" and posted["seq"] == 1
    assert own["message"]["mine"] is True and own["message"]["id"] == posted["id"]
    other = await recv(sock_a)
    assert other["message"]["body"] == "Hello from Bob" and other["message"]["mine"] is False
    # reply
    await sock_a.send_json_to({"type": "post", "room": room.pk, "body": "Hi", "reply_to": posted["id"]})
    reply = await recv(sock_b)
    assert reply["message"]["reply_to"] == {"id": posted["id"], "posted_seq": 1, "author": bob.user.display_name}
    await sock_a.disconnect()
    await sock_b.disconnect()


async def test_refusals_are_error_frames_and_the_socket_stays_usable():
    alice, bob, boss, room = await given_a_coop()
    outsider = await sync_to_async(member)()
    stewards_room = await sync_to_async(services.room_create)(steward=boss.user, coop=alice.coop, title="S",
                                                              audience=Room.Audience.STEWARDS)
    socket = await connect(outsider.user)
    await socket.send_json_to({"type": "join", "room": room.pk, "since": 0, "ref": 1})
    assert await recv(socket) == {"type": "error", "code": "not_allowed",
                                  "message": "You may not take part in this room.", "extra": {}, "ref": 1}
    await socket.send_json_to({"type": "join", "room": 999999, "since": 0})
    assert (await recv(socket))["code"] == "unknown_room"
    await socket.send_json_to({"type": "post", "room": room.pk, "body": "sneaky"})
    assert (await recv(socket))["code"] == "not_joined"
    await socket.send_json_to({"type": "ping"})
    assert await recv(socket) == {"type": "pong"}
    member_socket = await connect(alice.user)
    await member_socket.send_json_to({"type": "join", "room": stewards_room.pk})
    assert (await recv(member_socket))["code"] == "not_allowed"
    await socket.disconnect()
    await member_socket.disconnect()


async def test_permission_is_checked_again_on_every_send(monkeypatch):
    from coop.federation import access

    # without the push that makes the socket leave the room (tests/forums/test_access_live.py),
    # the service still refuses the post
    monkeypatch.setattr(access, "_access_push", lambda user_id: None)
    alice, bob, boss, room = await given_a_coop()
    socket = await connect(bob.user)
    await join(socket, room)

    @sync_to_async
    def bob_leaves():
        from coop.federation.services import membership_leave

        membership_leave(user=bob.user)

    await bob_leaves()
    await socket.send_json_to({"type": "post", "room": room.pk, "body": "still here?", "ref": "x"})
    frame = await recv(socket)
    assert (frame["type"], frame["code"], frame["ref"]) == ("error", "not_allowed", "x")
    await socket.disconnect()


async def test_anonymous_and_foreign_origin_are_refused():
    socket = await connect(None)
    frame = await recv(socket)
    assert frame["code"] == "not_authenticated"
    closed = await socket.receive_output(timeout=TIMEOUT)
    assert closed == {"type": "websocket.close", "code": 4401}
    alice, *_ = await given_a_coop()
    key = await sync_to_async(session_cookie)(alice.user)
    headers = [(b"origin", b"http://evil.example"), (b"cookie", f"sessionid={key}".encode())]
    evil = WebsocketCommunicator(application, "/ws/forums/", headers=headers)
    connected, _ = await evil.connect(timeout=TIMEOUT)
    assert not connected


async def test_bad_frames_get_clear_errors(settings):
    settings.FORUMS_MAX_MESSAGE_CHARS = 50
    alice, bob, boss, room = await given_a_coop()
    socket = await connect(bob.user)
    await join(socket, room)
    await socket.send_to(text_data="{not json")
    assert (await recv(socket))["code"] == "bad_json"
    await socket.send_to(text_data="[1, 2]")
    assert (await recv(socket))["code"] == "bad_frame"
    await socket.send_to(bytes_data=b"\x00\x01")
    assert (await recv(socket))["code"] == "bad_frame"
    await socket.send_json_to({"type": "shout"})
    assert (await recv(socket))["code"] == "unknown_type"
    await socket.send_json_to({"type": "join", "room": "seven"})
    assert (await recv(socket))["code"] == "bad_frame"
    await socket.send_json_to({"type": "join", "room": room.pk, "since": -3})
    assert (await recv(socket))["code"] == "bad_frame"
    await socket.send_json_to({"type": "post", "room": room.pk, "body": "x" * 51, "ref": "long"})
    frame = await recv(socket)
    assert (frame["code"], frame["extra"], frame["ref"]) == ("too_long", {"max_chars": 50, "chars": 51}, "long")
    await socket.send_to(text_data=json.dumps({"type": "post", "room": room.pk, "body": "x" * 5000}))
    assert (await recv(socket))["code"] == "too_long"
    await socket.send_json_to({"type": "post", "room": room.pk, "body": "   "})
    assert (await recv(socket))["code"] == "empty_message"
    await socket.send_json_to({"type": "post", "room": room.pk, "body": 12})
    assert (await recv(socket))["code"] == "bad_frame"
    await socket.send_json_to({"type": "post", "room": room.pk, "body": "fine", "ref": "ok"})
    frames = [await recv(socket), await recv(socket)]
    assert {f["type"] for f in frames} == {"posted", "message"}
    await socket.disconnect()


async def test_rate_limit_is_an_error_frame(settings):
    settings.FORUMS_RATE_LIMIT = "2/60"
    alice, bob, boss, room = await given_a_coop()
    socket = await connect(bob.user)
    await join(socket, room)
    for n in range(2):
        await socket.send_json_to({"type": "post", "room": room.pk, "body": f"m{n}"})
        await recv(socket)
        await recv(socket)
    await socket.send_json_to({"type": "post", "room": room.pk, "body": "m3", "ref": "3"})
    frame = await recv(socket)
    assert (frame["type"], frame["code"]) == ("error", "rate_limited") and frame["extra"]["limit"] == 2
    await socket.disconnect()


async def test_reconnect_catches_up_on_missed_posts_and_edits():
    alice, bob, boss, room = await given_a_coop(messages=1)
    socket = await connect(bob.user)
    got, joined = await join(socket, room)
    assert joined["head"] == 1
    await socket.disconnect()  # the phone drops off

    @sync_to_async
    def while_away():
        first = room.messages.get(posted_seq=1)
        post(alice, "missed 1")  # 2
        post(alice, "missed 2")  # 3
        services.message_edit(user=alice.user, message=first, body="message 1 (fixed)")  # 4

    await while_away()
    socket = await connect(bob.user)
    got, joined = await join(socket, room, since=1)
    assert [(m["seq"], m["posted_seq"], m["body"]) for m in got] == [
        (2, 2, "missed 1"), (3, 3, "missed 2"), (4, 1, "message 1 (fixed)")]
    assert got[-1]["edit_count"] == 1 and joined["head"] == 4
    await sync_to_async(post)(alice, "back live")
    assert (await recv(socket))["message"]["seq"] == 5
    # a client claiming to be ahead of the room is brought back to the room's head
    late = await connect(boss.user)
    got, joined = await join(late, room, since=1000)
    assert got == [] and joined["head"] == 5
    await sync_to_async(post)(alice, "after bogus")
    assert (await recv(late))["message"]["seq"] == 6
    await socket.disconnect()
    await late.disconnect()


async def test_a_lost_push_is_recovered_from_the_database(monkeypatch):
    alice, bob, boss, room = await given_a_coop()
    socket = await connect(bob.user)
    await join(socket, room)
    real = services.broadcast
    calls = []

    def lossy(**kwargs):
        calls.append(kwargs["change"]["seq"])
        if len(calls) > 1:  # the channel layer drops the first change
            real(**kwargs)

    monkeypatch.setattr(services, "broadcast", lossy)
    await sync_to_async(post)(alice, "lost in transit")
    await sync_to_async(post)(alice, "arrives")
    frames = [await recv(socket), await recv(socket)]
    assert [(f["message"]["seq"], f["message"]["body"]) for f in frames] == [(1, "lost in transit"), (2, "arrives")]
    assert calls == [1, 2]
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_hidden_messages_show_text_to_author_and_stewards_only():
    alice, bob, boss, room = await given_a_coop(messages=1)
    sockets = {who.user.pk: await connect(who.user) for who in (alice, bob, boss)}
    for socket in sockets.values():
        await join(socket, room)

    @sync_to_async
    def hide():
        services.message_hide(steward=boss.user, message=room.messages.get(), reason="Breaks article 2")

    await hide()
    seen = {pk: (await recv(socket))["message"] for pk, socket in sockets.items()}
    assert all(m["hidden"] and m["hidden_reason"] == "Breaks article 2" and m["seq"] == 2 for m in seen.values())
    assert seen[bob.user.pk]["body"] == "" and seen[bob.user.pk]["html"] == ""
    assert seen[alice.user.pk]["body"] == "message 1" and seen[boss.user.pk]["body"] == "message 1"
    # and on catch-up too
    late = await connect(bob.user)
    got, _ = await join(late, room)
    assert got[0]["hidden"] and got[0]["body"] == ""
    for socket in [*sockets.values(), late]:
        await socket.disconnect()


async def test_an_idle_socket_stays_joined():
    """redis-py 8 reads with a 5 s socket timeout by default, which tore down every idle
    consumer on the Redis layer (channels_redis#422): settings disable it for the layer."""
    alice, bob, boss, room = await given_a_coop()
    socket = await connect(bob.user)
    await join(socket, room)
    assert await socket.receive_nothing(timeout=7)
    await sync_to_async(post)(alice, "still there?")
    assert (await recv(socket))["message"]["body"] == "still there?"
    await socket.disconnect()


async def test_read_marker_and_leave_frames():
    alice, bob, boss, room = await given_a_coop(messages=3)
    socket = await connect(bob.user)
    await join(socket, room)
    await socket.send_json_to({"type": "read", "room": room.pk, "seq": 2})
    assert await recv(socket) == {"type": "read", "room": room.pk, "seq": 2}

    @sync_to_async
    def unread():
        from coop.forums.selectors import unread_count

        return unread_count(room=room, user=bob.user)

    assert await unread() == 1
    await socket.send_json_to({"type": "leave", "room": room.pk})
    assert await recv(socket) == {"type": "left", "room": room.pk}
    await sync_to_async(post)(alice, "not for Bob's socket any more")
    assert await socket.receive_nothing(timeout=0.5)
    await socket.send_json_to({"type": "read", "room": room.pk, "seq": 3})
    assert (await recv(socket))["code"] == "not_joined"
    await socket.disconnect()
