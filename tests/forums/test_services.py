import json

import pytest

from accounts.models import Notice
from coop.eventlog.models import Event
from coop.forums import selectors, services
from coop.forums.errors import (
    AlreadyHidden,
    AlreadyReported,
    BadReply,
    EmptyMessage,
    MessageHidden,
    MessageTooLong,
    NotAllowed,
    NotASteward,
    NotAuthor,
    RateLimited,
    ReasonRequired,
)
from coop.forums.models import Message, MessageRevision, ReadMarker, Report, Room
from tests.factories import CoopFactory, UserFactory, coop_room, member, post, steward

pytestmark = pytest.mark.django_db


def _events(type):
    return [json.loads(bytes(e.payload)) for e in Event.objects.filter(type=type).order_by("pk")]


def test_message_post_takes_the_next_sequence_number_and_records_an_event():
    alice = member()
    room = coop_room(alice.coop)
    first = post(alice, "First")
    second = post(alice, "**Second**")
    assert (first.seq, first.posted_seq, second.seq, second.posted_seq) == (1, 1, 2, 2)
    room.refresh_from_db()
    assert room.next_seq == 3 and room.head_seq == 2
    assert second.body_html == "<p><strong>Second</strong></p>"
    assert second.author_label == alice.user.display_name and second.author_role == "member"
    assert _events("forum.message_posted")[-1] == {"actor": alice.user.pk, "room": room.pk, "seq": 2,
                                                   "reply_to": None}


def test_message_post_sanitises_markdown():
    alice = member()
    message = post(alice, "<script>alert(1)</script> [x](javascript:alert(1)) *ok*")
    assert "<script" not in message.body_html and "javascript:" not in message.body_html
    assert "<em>ok</em>" in message.body_html


def test_message_post_refuses_outsiders_empty_and_too_long(settings):
    settings.FORUMS_MAX_MESSAGE_CHARS = 10
    alice = member()
    outsider = member()  # another coop
    room = coop_room(alice.coop)
    with pytest.raises(NotAllowed):
        services.message_post(user=outsider.user, room=room, body="hi")
    with pytest.raises(NotAllowed):
        services.message_post(user=UserFactory(), room=room, body="hi")
    with pytest.raises(EmptyMessage):
        services.message_post(user=alice.user, room=room, body="   ")
    with pytest.raises(MessageTooLong) as info:
        services.message_post(user=alice.user, room=room, body="x" * 11)
    assert info.value.extra == {"max_chars": 10, "chars": 11}
    assert not Message.objects.exists()
    room.refresh_from_db()
    assert room.next_seq == 1


def test_message_post_replies_only_within_the_room():
    alice = member()
    other = member()
    parent = post(alice, "Question?")
    foreign = post(other, "Elsewhere")
    reply = post(alice, "Answer", reply_to=parent.pk)
    assert reply.reply_to == parent
    with pytest.raises(BadReply):
        post(alice, "Wrong", reply_to=foreign.pk)
    with pytest.raises(BadReply):
        post(alice, "Wrong", reply_to="abc")


def test_message_post_rate_limit_per_member(settings):
    settings.FORUMS_RATE_LIMIT = "3/60"
    alice = member()
    bob = member(coop=alice.coop)
    for n in range(3):
        post(alice, f"message {n}")
    with pytest.raises(RateLimited) as info:
        post(alice, "one too many")
    assert info.value.status == 429 and 1 <= info.value.extra["retry_after"] <= 60
    post(bob, "Bob is not limited by Alice")
    assert Message.objects.count() == 4


def test_mentions_notify_the_person_named_once():
    alice = member()
    bob = member(coop=alice.coop)
    bob.user.profile.display_name = "Bob Rabe"
    bob.user.profile.save()
    carol = member(coop=alice.coop)
    message = post(alice, "Thanks @bob rabe, see you. @Bob Rabeson is someone else.")
    notices = Notice.objects.filter(kind="forum.mention")
    assert [n.user for n in notices] == [bob.user]
    assert f"#m{message.pk}" in notices[0].link
    # editing notifies only people newly mentioned
    services.message_edit(user=alice.user, message=message,
                          body=f"Thanks @Bob Rabe and @{carol.user.display_name}.")
    assert sorted(n.user.pk for n in Notice.objects.filter(kind="forum.mention")) == sorted(
        [bob.user.pk, carol.user.pk])


def test_message_edit_keeps_history_and_takes_a_new_sequence_number():
    alice = member()
    bob = member(coop=alice.coop)
    message = post(alice, "Teh first version")
    post(bob, "Another")
    edited = services.message_edit(user=alice.user, message=message, body="The first version")
    assert (edited.seq, edited.posted_seq, edited.edit_count) == (3, 1, 1)
    assert edited.edited_at is not None
    revision = MessageRevision.objects.get(message=message)
    assert (revision.number, revision.body) == (1, "Teh first version")
    with pytest.raises(NotAuthor):
        services.message_edit(user=bob.user, message=message, body="Hijack")
    # no change, no new number
    assert services.message_edit(user=alice.user, message=message, body="The first version").seq == 3
    assert _events("forum.message_edited") == [{"actor": alice.user.pk, "room": message.room_id, "seq": 3,
                                                 "revision": 1}]


def test_message_hide_by_a_steward_with_a_reason_keeps_the_text():
    alice = member()
    boss = steward(coop=alice.coop)
    message = post(alice, "Something rude")
    services.message_report(user=boss.user, message=message, reason="Rude words")
    with pytest.raises(NotASteward):
        services.message_hide(steward=alice.user, message=message, reason="I regret it")
    with pytest.raises(ReasonRequired):
        services.message_hide(steward=boss.user, message=message, reason="no")
    hidden = services.message_hide(steward=boss.user, message=message, reason="Breaks article 2")
    assert hidden.is_hidden and hidden.hidden_reason == "Breaks article 2" and hidden.hidden_by == boss.user
    assert hidden.seq == 2 and Message.objects.get(pk=message.pk).body == "Something rude"
    assert Report.objects.get().resolved_by == boss.user
    assert Notice.objects.filter(user=alice.user, kind="forum.hidden").count() == 1
    assert _events("forum.message_hidden") == [{"actor": boss.user.pk, "room": message.room_id, "seq": 2,
                                                 "author": alice.user.pk}]
    with pytest.raises(AlreadyHidden):
        services.message_hide(steward=boss.user, message=message, reason="Breaks article 2")
    with pytest.raises(MessageHidden):
        services.message_edit(user=alice.user, message=message, body="Nicer now")


def test_message_wire_shows_hidden_text_to_author_and_stewards_only():
    alice = member()
    boss = steward(coop=alice.coop)
    bob = member(coop=alice.coop)
    message = services.message_hide(steward=boss.user, message=post(alice, "Secret"), reason="Off topic here")
    change = selectors.message_change(message)
    as_bob = selectors.change_for_reader(change, user_id=bob.user.pk, moderator=False)
    as_alice = selectors.change_for_reader(change, user_id=alice.user.pk, moderator=False)
    as_boss = selectors.change_for_reader(change, user_id=boss.user.pk, moderator=True)
    assert as_bob["hidden"] and as_bob["body"] == "" and as_bob["html"] == ""
    assert as_bob["hidden_reason"] == "Off topic here" and not as_bob["mine"]
    assert as_alice["body"] == "Secret" and as_alice["mine"]
    assert as_boss["body"] == "Secret"
    assert "author_id" not in as_bob and "author_id" not in json.dumps(as_bob)


def test_message_report_notifies_stewards_once_per_reader():
    alice = member()
    boss = steward(coop=alice.coop)
    bob = member(coop=alice.coop)
    message = post(alice, "Spam spam")
    services.message_report(user=bob.user, message=message, reason="This is spam")
    with pytest.raises(AlreadyReported):
        services.message_report(user=bob.user, message=message, reason="Still spam")
    with pytest.raises(NotAllowed):
        services.message_report(user=member().user, message=message, reason="Not my coop")
    assert Notice.objects.filter(user=boss.user, kind="forum.report").count() == 1
    assert _events("forum.message_reported")[0]["room"] == message.room_id


def test_read_markers_and_unread_counts():
    alice = member()
    bob = member(coop=alice.coop)
    room = coop_room(alice.coop)
    for n in range(3):
        post(alice, f"news {n}")
    assert selectors.unread_count(room=room, user=bob.user) == 3
    assert selectors.unread_count(room=room, user=alice.user) == 0  # own posts are read
    assert services.read_marker_set(user=bob.user, room=room, seq=2) == 2
    assert selectors.unread_count(room=room, user=bob.user) == 1
    assert services.read_marker_set(user=bob.user, room=room, seq=1) == 1  # never moves back
    assert ReadMarker.objects.get(room=room, user=bob.user).last_seq == 2
    services.read_marker_set(user=bob.user, room=room, seq=999)
    assert ReadMarker.objects.get(room=room, user=bob.user).last_seq == 3
    with pytest.raises(NotAllowed):
        services.read_marker_set(user=member().user, room=room)


def test_rooms_readable_lists_own_coop_rooms_with_unread(django_assert_num_queries):
    alice = member()
    boss = steward(coop=alice.coop)
    coop_room(alice.coop)
    coop_room(CoopFactory())
    services.room_create(steward=boss.user, coop=alice.coop, title="Tips")
    services.room_create(steward=boss.user, coop=alice.coop, title="Stewards", audience=Room.Audience.STEWARDS)
    services.room_create(steward=boss.user, coop=alice.coop, title="Payouts")
    post(boss, "Welcome")
    # the membership, then the rooms with their unread counts (whatever kinds are registered)
    with django_assert_num_queries(2):
        rooms = selectors.rooms_readable(user=alice.user)
    assert [(r.title, r.unread) for r in rooms] == [(alice.coop.name, 1), ("Payouts", 0), ("Tips", 0)]
    assert "Stewards" in [r.title for r in selectors.rooms_readable(user=boss.user)]
    assert selectors.rooms_readable(user=UserFactory()) == []


def test_room_create_only_by_stewards():
    alice = member()
    with pytest.raises(NotASteward):
        services.room_create(steward=alice.user, coop=alice.coop, title="Mine")
    boss = steward(coop=alice.coop)
    with pytest.raises(EmptyMessage):
        services.room_create(steward=boss.user, coop=alice.coop, title="  ")
    room = services.room_create(steward=boss.user, coop=alice.coop, title="Tips", description="Share tips")
    assert room.kind == "custom" and room.subject_type == ""
    assert _events("forum.room_created")[-1]["room"] == room.pk


def test_stewards_only_room_refuses_members():
    alice = member()
    boss = steward(coop=alice.coop)
    room = services.room_create(steward=boss.user, coop=alice.coop, title="S", audience=Room.Audience.STEWARDS)
    post(boss, "for stewards", room=room)
    with pytest.raises(NotAllowed):
        post(alice, "let me in", room=room)


def test_messages_since_returns_changes_after_a_number_in_order():
    alice = member()
    boss = steward(coop=alice.coop)
    room = coop_room(alice.coop)
    a = post(alice, "a")  # 1
    b = post(alice, "b")  # 2
    post(alice, "c")  # 3
    services.message_edit(user=alice.user, message=a, body="a2")  # 4
    services.message_hide(steward=boss.user, message=b, reason="no reason given")  # 5
    got = [(m.posted_seq, m.seq) for m in selectors.messages_since(room=room, since=2)]
    assert got == [(3, 3), (1, 4), (2, 5)]
    assert selectors.messages_since(room=room, since=5) == []
    assert len(selectors.messages_since(room=room, since="junk")) == 3
