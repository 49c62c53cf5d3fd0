"""coop/forums/demo.py: each demo coop's room with a conversation (a reply among it), the
stewards' rooms, the first open proposal's room; a room with messages is left alone."""

import pytest

from coop.federation import demo as federation_demo
from coop.forums import demo
from coop.forums.models import Message, Room
from coop.forums.registry import room_for
from coop.governance import demo as governance_demo

pytestmark = pytest.mark.django_db


def test_seed_talks_in_each_room_once():
    ctx = {"logins": []}
    federation_demo.seed(ctx)
    governance_demo.seed(ctx)
    demo.seed(ctx)
    tana = room_for(ctx["coops"]["tana"])
    messages = list(tana.messages.order_by("posted_seq"))
    assert len(messages) == len(demo.TANA) and messages[2].reply_to == messages[1]
    assert room_for(ctx["coops"]["lagos"]).messages.count() == len(demo.LAGOS)
    custom = Room.objects.filter(coop=ctx["coops"]["tana"], kind="custom")
    assert sorted(custom.values_list("title", "audience")) == [("Stewards", "stewards"),
                                                               ("Tips for new members", "members")]
    assert Room.objects.filter(kind="proposal").get().messages.count() == 1
    count = Message.objects.count()
    demo.seed(ctx)
    assert Message.objects.count() == count and Room.objects.filter(kind="custom").count() == 2
