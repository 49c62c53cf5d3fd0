import json

import pytest

from coop.eventlog.models import Event
from coop.forums.errors import UnknownRoomKind
from coop.forums.models import Room
from coop.forums.registry import RoomPolicy, policy_for, register_room_kind, room_for
from tests.factories import CoopFactory, UserFactory, member

pytestmark = pytest.mark.django_db


def test_room_for_creates_the_coop_room_once():
    coop = CoopFactory()
    room = room_for(coop)
    assert (room.kind, room.coop, room.title) == ("coop", coop, coop.name)
    assert (room.subject_type, room.subject_id) == ("federation.coop", str(coop.pk))
    assert room_for(coop) == room
    assert Room.objects.count() == 1
    events = Event.objects.filter(type="forum.room_created")
    assert [json.loads(bytes(e.payload)) for e in events] == [{"room": room.pk, "kind": "coop",
                                                                "subject_id": coop.pk}]


def test_room_for_refuses_unregistered_kinds():
    with pytest.raises(UnknownRoomKind):
        room_for(UserFactory())


def test_register_room_kind_lets_another_app_add_rooms():
    class UserRoomPolicy(RoomPolicy):
        kind = "test-user"

        def coop_of(self, subject):
            return subject.memberships.get().coop

        def title_of(self, subject):
            return f"About {subject.pk}"

        def can_read(self, room, user):
            return str(user.pk) == room.subject_id

    alice = member()
    register_room_kind("accounts.User", UserRoomPolicy())
    try:
        room = room_for(alice.user)
        assert (room.kind, room.coop, room.title) == ("test-user", alice.coop, f"About {alice.user.pk}")
        assert policy_for(room).can_read(room, alice.user)
        assert not policy_for(room).can_read(room, member(coop=alice.coop).user)
    finally:
        from coop.forums import registry

        registry._BY_LABEL.pop("accounts.user", None)
        registry._BY_KIND.pop("test-user", None)
