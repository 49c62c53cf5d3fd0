"""Leak 6 (issue 15): a socket joined before its member was suspended (or left, or lost a
jury seat) kept receiving messages and catch-up. Access is now rechecked when a service
takes it away (at once), on every catch-up, and on delivery when the last check is stale."""

import pytest

from coop.federation import access
from coop.federation.services import membership_leave, membership_suspend
from coop.forums import consumers
from tests.factories import coop_room, member, post, steward
from tests.sockets import committed, connect, join, recv, run

pytestmark = pytest.mark.django_db

ACCESS_LOST = {"type": "left", "code": "access_lost", "message": "You can no longer read this room."}


def _coop():
    alice = member()
    bob = member(coop=alice.coop)
    boss = steward(coop=alice.coop)
    room = coop_room(alice.coop)
    post(alice, "before")
    return alice, bob, boss, room


def _suspend(boss, bob):
    membership_suspend(steward=boss.user, membership=bob, article_number=2, reason="Threats in the coop room")


@pytest.mark.parametrize("lose", ["suspended", "left"])
def test_a_socket_leaves_the_room_as_soon_as_access_is_lost(lose):
    alice, bob, boss, room = _coop()

    async def scenario():
        socket = await connect(bob.user)
        got, joined = await join(socket, room.pk)
        assert [m["body"] for m in got] == ["before"] and joined["type"] == "joined"
        if lose == "suspended":
            await committed(_suspend, boss, bob)
        else:
            await committed(membership_leave, user=bob.user)
        assert await recv(socket) == {**ACCESS_LOST, "room": room.pk}
        await committed(post, alice, "after the suspension")
        assert await socket.receive_nothing(timeout=0.3)
        await socket.send_json_to({"type": "catch_up", "room": room.pk, "since": 0})
        assert (await recv(socket))["code"] == "not_joined"
        await socket.send_json_to({"type": "join", "room": room.pk, "since": 0})
        assert (await recv(socket))["code"] == "not_allowed"
        await socket.disconnect()

    run(scenario)


def test_delivery_rechecks_access_when_the_push_was_lost(monkeypatch):
    alice, bob, boss, room = _coop()
    monkeypatch.setattr(access, "_access_push", lambda user_id: None)  # the layer dropped it
    monkeypatch.setattr(consumers, "ACCESS_RECHECK_SECONDS", 0)

    async def scenario():
        socket = await connect(bob.user)
        await join(socket, room.pk)
        await committed(_suspend, boss, bob)
        assert await socket.receive_nothing(timeout=0.2)
        await committed(post, alice, "not for a suspended member")
        assert await recv(socket) == {**ACCESS_LOST, "room": room.pk}
        assert await socket.receive_nothing(timeout=0.3)
        await socket.disconnect()

    run(scenario)


def test_catch_up_rechecks_access(monkeypatch):
    alice, bob, boss, room = _coop()
    monkeypatch.setattr(access, "_access_push", lambda user_id: None)  # the layer dropped it

    async def scenario():
        socket = await connect(bob.user)
        await join(socket, room.pk)
        await committed(_suspend, boss, bob)
        await socket.send_json_to({"type": "catch_up", "room": room.pk, "since": 0})
        assert await recv(socket) == {**ACCESS_LOST, "room": room.pk}  # not the room's messages again
        assert await socket.receive_nothing(timeout=0.3)
        await socket.disconnect()

    run(scenario)
