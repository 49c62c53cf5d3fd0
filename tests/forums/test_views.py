import pytest
from django.test import Client

from coop.forums.models import Message, MessageRevision, ReadMarker, Report
from tests.factories import coop_room, member, post, steward

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_room_list_page_creates_the_coop_room_and_shows_unread():
    alice = member()
    boss = steward(coop=alice.coop)
    client = client_for(alice.user)
    response = client.get("/forums/")
    assert response.status_code == 200
    room = coop_room(alice.coop)
    assert f'href="/forums/rooms/{room.pk}/"' in response.content.decode()
    for n in range(3):
        post(boss, f"news {n}")
    page = client.get("/forums/").content.decode()
    assert "3 unread" in page
    assert 'href="/forums/"' in page  # the nav link appears
    assert "Open a new room" not in page
    assert "Open a new room" in client_for(boss.user).get("/forums/").content.decode()


def test_room_page_works_without_javascript():
    alice = member()
    bob = member(coop=alice.coop)
    room = coop_room(alice.coop)
    client = client_for(alice.user)
    response = client.post(f"/forums/rooms/{room.pk}/post/", {"body": "Hello **all**"})
    message = Message.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/forums/rooms/{room.pk}/#m{message.pk}"
    reply = client_for(bob.user).post(f"/forums/rooms/{room.pk}/post/", {"body": "Hi", "reply_to": message.pk})
    assert reply.status_code == 302
    page = client_for(bob.user).get(f"/forums/rooms/{room.pk}/").content.decode()
    assert "Hello <strong>all</strong>" in page and "in reply to #1" in page
    assert 'data-head="2"' in page and "js/forums.js" in page
    assert ReadMarker.objects.get(room=room, user=bob.user).last_seq == 2


def test_room_page_keeps_input_on_error(settings):
    settings.FORUMS_MAX_MESSAGE_CHARS = 10
    alice = member()
    room = coop_room(alice.coop)
    response = client_for(alice.user).post(f"/forums/rooms/{room.pk}/post/", {"body": "far too long a message"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "far too long a message" in page and "This message is too long." in page
    assert not Message.objects.exists()


def test_room_page_refuses_outsiders_and_unknown_rooms():
    alice = member()
    room = coop_room(alice.coop)
    outsider = client_for(member().user)
    assert outsider.get(f"/forums/rooms/{room.pk}/").status_code == 403
    assert outsider.post(f"/forums/rooms/{room.pk}/post/", {"body": "hi"}).status_code == 403
    assert outsider.get("/forums/rooms/999999/").status_code == 404
    assert Client().get(f"/forums/rooms/{room.pk}/").status_code == 302  # to the login page


def test_edit_hide_and_report_pages():
    alice = member()
    bob = member(coop=alice.coop)
    boss = steward(coop=alice.coop)
    message = post(alice, "Frist!")
    room = message.room
    author = client_for(alice.user)
    assert author.get(f"/forums/messages/{message.pk}/edit/").status_code == 200
    assert author.post(f"/forums/messages/{message.pk}/edit/", {"body": "First!"}).status_code == 302
    assert MessageRevision.objects.get(message=message).body == "Frist!"
    assert client_for(bob.user).post(f"/forums/messages/{message.pk}/edit/", {"body": "Mine"}).status_code == 404
    client_for(bob.user).post(f"/forums/messages/{message.pk}/report/", {"reason": "Shouting"})
    assert Report.objects.get().reporter == bob.user
    client_for(boss.user).post(f"/forums/messages/{message.pk}/hide/", {"reason": "Please keep it calm"})
    message.refresh_from_db()
    assert message.hidden_reason == "Please keep it calm"
    as_bob = client_for(bob.user).get(f"/forums/rooms/{room.pk}/").content.decode()
    assert "Please keep it calm" in as_bob and "First!" not in as_bob and "Frist!" not in as_bob
    as_alice = client_for(alice.user).get(f"/forums/rooms/{room.pk}/").content.decode()
    assert "Please keep it calm" in as_alice and "First!" in as_alice and "Frist!" in as_alice


def test_subject_room_redirects_to_the_room_made_on_demand():
    alice = member()
    response = client_for(alice.user).get(f"/forums/about/federation.coop/{alice.coop.pk}/")
    room = coop_room(alice.coop)
    assert response.status_code == 302 and response["Location"] == f"/forums/rooms/{room.pk}/"
    assert client_for(alice.user).get("/forums/about/nothing.here/1/").status_code == 404


def test_steward_opens_a_room_from_the_list():
    boss = steward()
    response = client_for(boss.user).post("/forums/new/", {"title": "Tips", "description": "", "audience": "members"})
    assert response.status_code == 302
    refused = client_for(member(coop=boss.coop).user).post("/forums/new/", {"title": "Mine", "audience": "members"})
    assert refused.status_code == 400 and "Only a steward" in refused.content.decode()


def test_edit_page_of_a_hidden_message_is_not_readable_by_other_readers():
    """Leak 1 (issue 15): GET /forums/messages/<id>/edit/ showed a hidden message's text to
    any reader of the room. The edit page is its author's only."""
    alice = member()
    bob = member(coop=alice.coop)
    boss = steward(coop=alice.coop)
    message = post(alice, "Something the stewards hid")
    client_for(boss.user).post(f"/forums/messages/{message.pk}/hide/", {"reason": "Please keep it calm"})
    for reader in (bob, boss):
        response = client_for(reader.user).get(f"/forums/messages/{message.pk}/edit/")
        assert response.status_code == 404
        assert "Something the stewards hid" not in response.content.decode()
    mine = client_for(alice.user).get(f"/forums/messages/{message.pk}/edit/")
    assert mine.status_code == 200 and "Something the stewards hid" in mine.content.decode()
