"""coop/forums/datarights.py: a member's messages (with revisions) in their export; on erasure
bodies, revisions, the author label and report reasons become the tombstone, in place."""

import pytest

from coop.forums import services
from coop.forums.datarights import message_rows, messages_erase
from coop.forums.models import Message, MessageRevision, Report
from tests.factories import CoopFactory, member, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def talk():
    coop = CoopFactory()
    author, other = member(coop), member(coop)
    mine = post(author, "My first words")
    services.message_edit(user=author.user, message=mine, body="My better words")
    theirs = post(other, "Someone else's <b>text</b>")
    services.message_report(user=author.user, message=theirs, reason="This is spam, I think.")
    return author, other, mine, theirs


def test_message_rows_carry_earlier_versions(talk):
    author, _other, mine, _theirs = talk
    rows = message_rows(user=author.user)
    assert len(rows) == 1
    assert rows[0]["message"] == mine.pk and rows[0]["body"] == "My better words"
    assert rows[0]["earlier_versions"] == ["My first words"]


def test_messages_erase_replaces_only_the_members_texts(talk):
    author, other, mine, theirs = talk
    messages_erase(user=author.user, tombstone="<erased>")
    mine.refresh_from_db()
    assert (mine.body, mine.author_label, mine.body_html) == ("<erased>", "<erased>", "<p>&lt;erased&gt;</p>")
    assert set(MessageRevision.objects.filter(message=mine).values_list("body", flat=True)) == {"<erased>"}
    assert Report.objects.get(reporter=author.user).reason == "<erased>"
    theirs.refresh_from_db()
    assert theirs.body == "Someone else's <b>text</b>" and theirs.author_label != "<erased>"
    assert Message.objects.filter(room=mine.room).count() == 2  # the thread keeps its places
