"""coop/forums/selectors.py: who reads which room, unread counts, catch-up by sequence number,
and what a hidden message shows to whom."""

import pytest

from coop.forums import selectors, services
from coop.forums.errors import NotAllowed, UnknownRoom
from tests.factories import CoopFactory, UserFactory, coop_room, member, post, steward

pytestmark = pytest.mark.django_db


@pytest.fixture
def room_with_talk():
    coop = CoopFactory()
    alice, bob, boss = member(coop), member(coop), steward(coop)
    room = coop_room(coop)
    first = post(alice, "First")
    second = post(bob, "Second")
    third = post(alice, "Third")
    return {"coop": coop, "alice": alice, "bob": bob, "steward": boss, "room": room,
            "messages": [first, second, third]}


def test_room_get_refuses_outsiders_and_unknown_rooms(room_with_talk):
    room = room_with_talk["room"]
    assert selectors.room_get(user=room_with_talk["alice"].user, room_id=str(room.pk)) == room
    with pytest.raises(NotAllowed):
        selectors.room_get(user=member().user, room_id=room.pk)  # a member of another coop
    with pytest.raises(UnknownRoom):
        selectors.room_get(user=room_with_talk["alice"].user, room_id="not-a-number")
    with pytest.raises(UnknownRoom):
        selectors.room_get(user=room_with_talk["alice"].user, room_id=room.pk + 1000)


def test_rooms_readable_counts_unread_posts_of_others(room_with_talk):
    bob = room_with_talk["bob"].user
    rooms = selectors.rooms_readable(user=bob)
    assert [r.pk for r in rooms] == [room_with_talk["room"].pk]
    assert rooms[0].unread == 1  # alice's post after his own (posting reads the room up to it)
    assert selectors.unread_count(room=room_with_talk["room"], user=bob) == 1
    services.read_marker_set(user=bob, room=room_with_talk["room"], seq=room_with_talk["messages"][2].posted_seq)
    assert selectors.rooms_readable(user=bob)[0].unread == 0
    assert selectors.rooms_readable(user=UserFactory()) == []  # no membership, no coop room


def test_room_access_says_who_writes_and_moderates(room_with_talk):
    room = room_with_talk["room"]
    assert selectors.room_access(room=room, user=room_with_talk["alice"].user) == {"write": True, "moderate": False}
    assert selectors.room_access(room=room, user=room_with_talk["steward"].user) == {"write": True, "moderate": True}


def test_room_messages_pages_backwards_oldest_first(room_with_talk):
    room, (first, second, third) = room_with_talk["room"], room_with_talk["messages"]
    assert selectors.room_messages(room=room) == [first, second, third]
    assert selectors.room_messages(room=room, before=third.posted_seq, limit=1) == [second]


def test_messages_since_returns_changes_after_a_sequence_number(room_with_talk):
    room, (first, second, third) = room_with_talk["room"], room_with_talk["messages"]
    services.message_edit(user=room_with_talk["alice"].user, message=first, body="First, edited")
    changed = selectors.messages_since(room=room, since=third.seq)
    assert [m.pk for m in changed] == [first.pk]  # the edit moved it past `since`
    assert [m.pk for m in selectors.messages_since(room=room, since="junk")] == [second.pk, third.pk, first.pk]


def test_a_hidden_message_shows_its_text_to_author_and_stewards_only(room_with_talk):
    message = room_with_talk["messages"][1]
    hidden = services.message_hide(steward=room_with_talk["steward"].user, message=message, reason="Off topic here.")
    public = selectors.message_for_reader(hidden, user=room_with_talk["alice"].user, moderator=False)
    assert public["hidden"] and public["body"] == "" and public["hidden_reason"] == "Off topic here."
    own = selectors.message_for_reader(hidden, user=room_with_talk["bob"].user, moderator=False)
    assert own["body"] == "Second" and own["mine"]
    change = selectors.message_change(hidden)
    assert selectors.change_for_reader(change, user_id=room_with_talk["alice"].user.pk, moderator=False)["body"] == ""
    assert selectors.change_for_reader(change, user_id=room_with_talk["alice"].user.pk, moderator=True)["body"] == \
        "Second"


def test_message_wire_names_the_reply(room_with_talk):
    first = room_with_talk["messages"][0]
    reply = post(room_with_talk["bob"], "Agreed", reply_to=first)
    wire = selectors.message_wire(reply, reveal=False)
    assert wire["reply_to"] == {"id": first.pk, "posted_seq": first.posted_seq, "author": first.author_shown}
    assert selectors.room_group(7) == "forum.room.7"
