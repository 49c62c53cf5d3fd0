"""Reads shared by the pages, the API and the websocket consumer."""


from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from accounts.models import User
from coop.federation.models import Membership
from coop.forums.errors import NotAllowed, UnknownRoom
from coop.forums.models import Message, ReadMarker, Room
from coop.forums.registry import policies, policy_for

CATCH_UP_LIMIT = 500


def room_group(room_id: int) -> str:
    return f"forum.room.{int(room_id)}"


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def room_get(*, user: User, room_id: int) -> Room:
    """The room if `user` may read it: UnknownRoom (404) or NotAllowed (403) otherwise."""
    room_id = _int(room_id)
    room = Room.objects.select_related("coop").filter(pk=room_id).first() if room_id else None
    if room is None:
        raise UnknownRoom()
    if not policy_for(room).can_read(room, user):
        raise NotAllowed()
    return room


def room_access(*, room: Room, user: User) -> dict:
    """What `user` may do in `room` (read is assumed)."""
    policy = policy_for(room)
    return {"write": policy.can_write(room, user), "moderate": policy.is_moderator(room, user)}


def rooms_readable(*, user: User | AnonymousUser) -> list[Room]:
    """The rooms `user` may read, each annotated with `unread` (posts by others after the
    user's read marker) and `read_seq`."""
    if not user.is_authenticated:
        return []
    membership = Membership.objects.active().filter(user=user).first()
    exact, checked = None, None
    by_kind = {}
    for kind, policy in policies().items():
        q = policy.candidate_rooms(user, membership)
        if q is None:
            continue
        by_kind[kind] = policy
        if policy.exact_candidates:
            exact = q if exact is None else exact | q
        else:
            checked = q if checked is None else checked | q
    where = exact if checked is None else (checked if exact is None else exact | checked)
    if where is None:
        return []
    marker = ReadMarker.objects.filter(room=OuterRef("pk"), user=user).values("last_seq")[:1]
    qs = (
        Room.objects.filter(where).select_related("coop")
        .annotate(read_seq=Coalesce(Subquery(marker), 0))
        .annotate(unread=Count("messages", filter=Q(messages__posted_seq__gt=F("read_seq"))
                               & ~Q(messages__author=user)))
        .order_by("kind", "title", "pk")
    )
    rooms = []
    for room in qs:
        policy = by_kind[room.kind]
        if policy.exact_candidates or policy.can_read(room, user):
            rooms.append(room)
    order = {Room.Kind.COOP: 0, Room.Kind.CUSTOM: 1}
    rooms.sort(key=lambda r: (order.get(r.kind, 2), r.kind, r.title.lower(), r.pk))
    return rooms


def room_messages(*, room: Room, before: int | None = None, limit: int = 100) -> list[Message]:
    """The latest `limit` messages (by posting order) before posted number `before`, oldest first."""
    qs = Message.objects.filter(room=room).select_related("reply_to").prefetch_related("revisions")
    if before:
        qs = qs.filter(posted_seq__lt=before)
    page = list(qs.order_by("-posted_seq")[:limit])
    page.reverse()
    return page


def messages_since(*, room: Room, since: int | str | None, limit: int = CATCH_UP_LIMIT) -> list[Message]:
    """Every message whose latest change (post, edit, hide) came after sequence number
    `since`, in sequence order: the catch-up a reconnecting client needs."""
    since = max(0, _int(since) or 0)
    return list(Message.objects.filter(room=room, seq__gt=since).select_related("reply_to").order_by("seq")[:limit])


def unread_count(*, room: Room, user: User) -> int:
    marker = ReadMarker.objects.filter(room=room, user=user).values_list("last_seq", flat=True).first() or 0
    return Message.objects.filter(room=room, posted_seq__gt=marker).exclude(author=user).count()


# --- what clients receive ------------------------------------------------------------------
def _iso(value):
    return value.isoformat() if value else None


def message_wire(message: Message, *, reveal: bool) -> dict:
    """A message as pages' scripts, the API and the websocket show it. A hidden message's
    text goes only to those who may still see it (`reveal`: its author and stewards)."""
    hidden = message.hidden_at is not None
    show = not hidden or reveal
    parent = message.reply_to if message.reply_to_id else None
    return {
        "id": message.pk,
        "room": message.room_id,
        "seq": message.seq,
        "posted_seq": message.posted_seq,
        "author": message.author_shown,
        "author_role": message.author_role,
        "reply_to": {"id": parent.pk, "posted_seq": parent.posted_seq, "author": parent.author_shown}
        if parent else None,
        "body": message.body if show else "",
        "html": message.body_html if show else "",
        "created_at": _iso(message.created_at),
        "edited_at": _iso(message.edited_at),
        "edit_count": message.edit_count,
        "hidden": hidden,
        "hidden_reason": message.hidden_reason if hidden else "",
        "hidden_at": _iso(message.hidden_at),
    }


def message_change(message: Message) -> dict:
    """What a change pushes to the room's group: the public view and, for a hidden message,
    the full one, so each socket picks the one its reader may see without a query."""
    hidden = message.hidden_at is not None
    return {
        "room": message.room_id,
        "seq": message.seq,
        "author_id": message.author_id,
        "public": message_wire(message, reveal=False),
        "full": message_wire(message, reveal=True) if hidden else None,
    }


def message_for_reader(message: Message, *, user: User | AnonymousUser, moderator: bool) -> dict:
    mine = message.author_id == getattr(user, "pk", None)
    data = message_wire(message, reveal=mine or moderator)
    data["mine"] = mine
    return data


def change_for_reader(change: dict, *, user_id: int, moderator: bool) -> dict:
    mine = change["author_id"] == user_id
    data = dict(change["full"] if change.get("full") and (mine or moderator) else change["public"])
    data["mine"] = mine
    return data
