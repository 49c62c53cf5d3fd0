"""coop/forums/locks.py: the room lock every post, edit and hide takes first."""

import pytest

from coop.forums.errors import UnknownRoom
from coop.forums.locks import room_for_update
from tests.factories import CoopFactory, coop_room

pytestmark = pytest.mark.django_db


def test_room_for_update_returns_the_room_with_its_coop():
    coop = CoopFactory(name="Coop Fianar")
    room = coop_room(coop)
    locked = room_for_update(room.pk)
    assert locked == room and locked.coop.name == "Coop Fianar" and locked.next_seq == 1


def test_room_for_update_of_an_unknown_room_is_a_404():
    with pytest.raises(UnknownRoom) as caught:
        room_for_update(0)
    assert caught.value.status == 404
