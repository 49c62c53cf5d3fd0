import pytest
from django.test import Client

from coop.forums import services
from coop.forums.models import Message
from tests.factories import coop_room, member, post, steward

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_room_list_api_shows_unread_and_pins_queries(django_assert_num_queries):
    alice = member()
    boss = steward(coop=alice.coop)
    for title in ("Tips", "Payouts", "Questions"):
        services.room_create(steward=boss.user, coop=alice.coop, title=title)
    room = coop_room(alice.coop)
    post(boss, "one")
    post(boss, "two")
    client = client_for(alice.user)
    client.get("/api/forums/rooms/")  # session warm-up
    # session, user with profile (time zone middleware), membership, rooms with their unread counts:
    # the same for any number of rooms
    with django_assert_num_queries(4):
        response = client.get("/api/forums/rooms/")
    assert response.status_code == 200
    body = response.json()
    assert [r["title"] for r in body] == [alice.coop.name, "Payouts", "Questions", "Tips"]
    assert body[0] == {"id": room.pk, "kind": "coop", "title": alice.coop.name, "description": "",
                       "coop": alice.coop.slug, "head_seq": 2, "unread": 2}


def test_messages_api_catch_up_post_edit_hide_report():
    alice = member()
    bob = member(coop=alice.coop)
    boss = steward(coop=alice.coop)
    room = coop_room(alice.coop)
    post(alice, "first")
    api = client_for(bob.user)
    created = api.post(f"/api/forums/rooms/{room.pk}/messages/", {"body": "Bob *here*"},
                       content_type="application/json")
    assert created.status_code == 201
    message = created.json()
    assert (message["seq"], message["html"], message["mine"], message["author"]) == (
        2, "<p>Bob <em>here</em></p>", True, bob.user.display_name)
    page = api.get(f"/api/forums/rooms/{room.pk}/messages/?since=1").json()
    assert [m["body"] for m in page["messages"]] == ["Bob *here*"] and page["head"] == 2 and not page["more"]
    edited = api.patch(f"/api/forums/messages/{message['id']}/", {"body": "Bob here"},
                       content_type="application/json")
    assert edited.status_code == 200 and edited.json()["edit_count"] == 1 and edited.json()["seq"] == 3
    refused = client_for(alice.user).post(f"/api/forums/messages/{message['id']}/hide/",
                                          {"reason": "not yours to hide"}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "not_a_steward"
    hidden = client_for(boss.user).post(f"/api/forums/messages/{message['id']}/hide/",
                                        {"reason": "Off topic"}, content_type="application/json")
    assert hidden.status_code == 200 and hidden.json()["hidden"] and hidden.json()["body"] == "Bob here"
    as_alice = client_for(alice.user).get(f"/api/forums/rooms/{room.pk}/messages/?since=3").json()
    assert as_alice["messages"][0]["body"] == "" and as_alice["messages"][0]["hidden_reason"] == "Off topic"
    report = client_for(alice.user).post(f"/api/forums/messages/{Message.objects.get(posted_seq=1).pk}/report/",
                                         {"reason": "just testing"}, content_type="application/json")
    assert report.status_code == 201 and set(report.json()) == {"id"}
    read = api.post(f"/api/forums/rooms/{room.pk}/read/", {}, content_type="application/json")
    assert read.json() == {"seq": 4}


def test_messages_api_errors_have_one_shape(settings):
    settings.FORUMS_MAX_MESSAGE_CHARS = 5
    alice = member()
    outsider = member()
    room = coop_room(alice.coop)
    response = client_for(outsider.user).get(f"/api/forums/rooms/{room.pk}/messages/")
    assert response.status_code == 403 and response.json() == {
        "code": "not_allowed", "message": "You may not take part in this room.", "extra": {}}
    assert client_for(alice.user).get("/api/forums/rooms/99999/").json()["code"] == "unknown_room"
    too_long = client_for(alice.user).post(f"/api/forums/rooms/{room.pk}/messages/", {"body": "123456"},
                                           content_type="application/json")
    assert too_long.status_code == 400 and too_long.json()["code"] == "too_long"
    assert Client().get("/api/forums/rooms/").status_code == 403
