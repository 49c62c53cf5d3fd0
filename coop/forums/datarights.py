"""The forums' part of a member's data rights (accounts.datarights): the messages they wrote
(with earlier revisions) in "Download my data"; on erasure each body, its revisions and the
author label become the tombstone (the message keeps its place in the thread, so replies still
read in order), and the reasons they gave in reports too."""

from django.utils.html import escape

from coop.forums.models import Message, MessageRevision, Report


def message_rows(*, user):
    return [{"message": m.pk, "room": m.room.title, "room_kind": m.room.kind, "posted_seq": m.posted_seq,
             "author_label": m.author_label, "body": m.body, "created_at": m.created_at, "edited_at": m.edited_at,
             "earlier_versions": [r.body for r in m.revisions.all()], "hidden_at": m.hidden_at,
             "hidden_reason": m.hidden_reason}
            for m in Message.objects.filter(author=user).select_related("room").prefetch_related("revisions")
            .order_by("pk")]


def messages_erase(*, user, tombstone):
    html = f"<p>{escape(tombstone)}</p>"
    mine = Message.objects.filter(author=user)
    MessageRevision.objects.filter(message__in=mine).update(body=tombstone, body_html=html)
    mine.update(body=tombstone, body_html=html, author_label=tombstone)
    Report.objects.filter(reporter=user).update(reason=tombstone)
