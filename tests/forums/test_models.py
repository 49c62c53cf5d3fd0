"""coop/forums/models.py: a room's head sequence number, a message's hidden state and how a
juror's label is shown in the reader's language."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from coop.forums.models import Message, Room, author_label_shown
from tests.factories import CoopFactory, coop_room, member, post

pytestmark = pytest.mark.django_db


def test_head_seq_is_the_latest_change():
    coop = CoopFactory()
    room = coop_room(coop)
    assert room.head_seq == 0
    writer = member(coop)
    post(writer, "one")
    post(writer, "two")
    room.refresh_from_db()
    assert room.head_seq == 2


def test_author_shown_translates_a_jurors_seat_letter():
    assert author_label_shown("Juror B", Message.AuthorRole.JUROR) == "Juror B"
    with translation.override("fr"):
        assert author_label_shown("Juror B", Message.AuthorRole.JUROR) == "Juré·e B"
    assert author_label_shown("Person 3", Message.AuthorRole.MEMBER) == "Person 3"
    assert Message(author_label="Juror C", author_role=Message.AuthorRole.JUROR).author_shown == "Juror C"
    assert Message(author_label="Ana", author_role=Message.AuthorRole.MEMBER).author_shown == "Ana"


def test_is_hidden_and_str():
    message = post(member(), "hello")
    assert not message.is_hidden
    assert str(message) == f"#{message.posted_seq} in {message.room_id}"


def test_one_room_per_subject():
    coop = CoopFactory()
    Room.objects.create(kind="project", subject_type="tasks.project", subject_id="1", coop=coop, title="A")
    with pytest.raises(IntegrityError), transaction.atomic():
        Room.objects.create(kind="project", subject_type="tasks.project", subject_id="1", coop=coop, title="B")
    Room.objects.create(kind="custom", coop=coop, title="C")
    Room.objects.create(kind="custom", coop=coop, title="D")  # rooms with no subject are many
    assert Room.objects.filter(coop=coop).count() == 3
