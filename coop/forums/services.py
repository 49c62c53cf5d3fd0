"""The use cases of the forums. Each public function is atomic and records its event. Rooms
are opened on demand by `coop.forums.registry.room_for`, and personal data is erased through
`coop.forums.datarights`.

Post, edit and hide lock the room row, take its next sequence number and push the change to
the room's channel-layer group after commit (`transaction.on_commit`): a client never sees a
change that is rolled back, and changes are committed in sequence order."""

import logging
import re
import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from accounts.services import notify
from coop.core.markdown import render_markdown
from coop.eventlog.services import event_record
from coop.federation.access import steward_require, stewards_of
from coop.federation.models import Coop
from coop.forums import selectors
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
    UnknownMessage,
)
from coop.forums.locks import room_for_update
from coop.forums.models import Message, MessageRevision, ReadMarker, Report, Room
from coop.forums.registry import policy_for

logger = logging.getLogger(__name__)

MIN_REASON = 5


def max_message_chars() -> int:
    return getattr(settings, "FORUMS_MAX_MESSAGE_CHARS", 4000)


def rate_limit() -> tuple[int, int]:
    """(messages, seconds) a member may post per window."""
    count, _sep, seconds = str(getattr(settings, "FORUMS_RATE_LIMIT", "20/60")).partition("/")
    return int(count), int(seconds or 60)


# --- helpers ----------------------------------------------------------------------------
def _clean_body(body):
    body = (body or "").replace("\r\n", "\n").strip()
    if "\x00" in body:
        body = body.replace("\x00", "")
    if not body:
        raise EmptyMessage()
    limit = max_message_chars()
    if len(body) > limit:
        raise MessageTooLong(extra={"max_chars": limit, "chars": len(body)})
    return body


def _clean_reason(reason):
    reason = (reason or "").replace("\x00", "").strip()
    if len(reason) < MIN_REASON:
        raise ReasonRequired()
    return reason[:1000]


def rate_limit_hit(*, user: User) -> None:
    """Count one message for `user` in the shared cache (Redis or the database, so the limit
    holds across server processes); raise RateLimited past the limit. Fixed windows.

    Records no event: a counter in the cache, gone after its window; the message it lets
    through records its own (`forum.message_posted`)."""
    count, seconds = rate_limit()
    now = time.time()
    window = int(now // seconds)
    key = f"forums:rate:{user.pk}:{window}"
    if cache.add(key, 1, timeout=seconds + 5):
        used = 1
    else:
        try:
            used = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=seconds + 5)
            used = 1
    if used > count:
        raise RateLimited(extra={"retry_after": max(1, int(seconds - now % seconds)), "limit": count,
                                 "seconds": seconds})


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _take_seq(room):
    """The room's next sequence number. The caller holds the room's row lock."""
    seq = room.next_seq
    room.next_seq = seq + 1
    room.save(update_fields=["next_seq"])
    return seq


def _locked_message(message):
    """Lock the message's room, then re-read the message under the lock."""
    message_id = getattr(message, "pk", message)
    room_id = Message.objects.filter(pk=message_id).values_list("room_id", flat=True).first()
    if room_id is None:
        raise UnknownMessage()
    room = room_for_update(room_id)
    message = Message.objects.select_related("reply_to").get(pk=message_id)
    message.room = room
    return room, message


def _mentions(*, room, policy, message, author, before=""):
    """Notify the readers mentioned with `@label` (newly, when editing)."""
    if "@" not in message.body:
        return []
    notified = []
    for user, label in policy.mention_candidates(room):
        if user.pk == author.pk or not label:
            continue
        pattern = re.compile(r"(?<![\w@])@" + re.escape(label) + r"(?!\w)", re.IGNORECASE)
        if pattern.search(message.body) and not pattern.search(before):
            link = reverse("forums:room", args=[room.pk]) + f"#m{message.pk}"
            notify(user=user, kind="forum.mention",
                   message=gettext_noop("%(author)s mentioned you in %(room)s."),
                   params={"author": message.author_shown,
                                                                      "room": room.title},
                   link=link)
            notified.append(user)
    return notified


def _push(message):
    """After commit, send the message's new state to the room's group."""
    change = selectors.message_change(message)
    transaction.on_commit(lambda: broadcast(room_id=message.room_id, change=change), robust=True)


def broadcast(*, room_id: int, change: dict) -> None:
    """Send one change to every socket in the room (all server processes on the Redis
    layer). Channels delivers at most once: clients that miss it catch up by sequence."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(selectors.room_group(room_id), {"type": "forum.change", **change})
    except Exception:  # the change is committed; clients catch up on their next sync
        logger.exception("forums: push to room %s failed", room_id)


def _marker_advance(*, room, user, seq):
    updated = ReadMarker.objects.filter(room=room, user=user, last_seq__lt=seq).update(
        last_seq=seq, updated_at=timezone.now())
    if not updated and not ReadMarker.objects.filter(room=room, user=user).exists():
        ReadMarker.objects.create(room=room, user=user, last_seq=seq)


# --- rooms ------------------------------------------------------------------------------
@transaction.atomic
def room_create(*, steward: User, coop: Coop, title: str, description: str = "",
                audience: str = Room.Audience.MEMBERS) -> Room:
    """A room a steward opens in their coop (for all members, or stewards only)."""
    steward_require(steward, coop_id=coop.pk)
    title = (title or "").replace("\x00", "").strip()
    if not title:
        raise EmptyMessage("empty_title", _("A room needs a title."))
    if audience not in Room.Audience.values:
        raise EmptyMessage("invalid_audience", _("Choose who may take part."))
    room = Room.objects.create(kind=Room.Kind.CUSTOM, coop=coop, title=title[:160],
                               description=(description or "").replace("\x00", "").strip(), audience=audience,
                               created_by=steward)
    event_record(type="forum.room_created", coop=coop, actor=steward, subject=room,
                 payload={"room": room.pk, "kind": room.kind, "audience": audience})
    return room


SUPPORT_SUBJECT = "forums.support"  # one support room per coop: unique (subject_type, subject_id)


@transaction.atomic
def support_room_for(*, coop: Coop) -> Room:
    """The coop's private room for members who did work with disturbing content (issue 23),
    created the first time it is needed (event `forum.room_created`); two requests creating it at
    once make one (the unique subject)."""
    key = {"subject_type": SUPPORT_SUBJECT, "subject_id": str(coop.pk)}
    room = Room.objects.filter(**key).first()
    if room is not None:
        return room
    try:
        with transaction.atomic():
            room = Room.objects.create(kind=Room.Kind.SUPPORT, coop=coop, title="Support: disturbing work", **key)
            event_record(type="forum.room_created", coop=coop, subject=room,
                         payload={"room": room.pk, "kind": room.kind})
    except IntegrityError:
        room = Room.objects.get(**key)
    return room


# --- messages ---------------------------------------------------------------------------
@transaction.atomic
def message_post(*, user: User, room: Room | int, body: str, reply_to: Message | int | None = None) -> Message:
    """Post `body` (Markdown) in `room`, optionally replying to a message of the same room."""
    body = _clean_body(body)
    room = room_for_update(getattr(room, "pk", room))
    policy = policy_for(room)
    if not policy.can_write(room, user):
        raise NotAllowed()
    parent = None
    if reply_to not in (None, ""):
        parent_id = _int(getattr(reply_to, "pk", reply_to))
        parent = Message.objects.filter(pk=parent_id, room=room).first() if parent_id else None
        if parent is None:
            raise BadReply()
    rate_limit_hit(user=user)
    label, role = policy.author(room, user)
    seq = _take_seq(room)
    message = Message.objects.create(
        room=room, seq=seq, posted_seq=seq, author=user, author_label=label[:160], author_role=role,
        reply_to=parent, body=body, body_html=render_markdown(body),
    )
    event_record(type="forum.message_posted", coop=room.coop_id, actor=user, subject=message,
                 payload={"room": room.pk, "seq": seq, "reply_to": parent.pk if parent else None})
    _mentions(room=room, policy=policy, message=message, author=user)
    _marker_advance(room=room, user=user, seq=seq)
    _push(message)
    return message


@transaction.atomic
def message_edit(*, user: User, message: Message, body: str) -> Message:
    """The author rewrites a message; the earlier text is kept as a visible revision."""
    body = _clean_body(body)
    room, message = _locked_message(message)
    if message.author_id != user.pk:
        raise NotAuthor()
    policy = policy_for(room)
    if not policy.can_write(room, user):
        raise NotAllowed()
    if message.is_hidden:
        raise MessageHidden()
    if body == message.body:
        return message
    before = message.body
    MessageRevision.objects.create(message=message, number=message.edit_count + 1, body=message.body,
                                   body_html=message.body_html, written_at=message.edited_at or message.created_at)
    message.body = body
    message.body_html = render_markdown(body)
    message.edited_at = timezone.now()
    message.edit_count += 1
    message.seq = _take_seq(room)
    message.save(update_fields=["body", "body_html", "edited_at", "edit_count", "seq"])
    event_record(type="forum.message_edited", coop=room.coop_id, actor=user, subject=message,
                 payload={"room": room.pk, "seq": message.seq, "revision": message.edit_count})
    _mentions(room=room, policy=policy, message=message, author=user, before=before)
    _push(message)
    return message


@transaction.atomic
def message_hide(*, steward: User, message: Message, reason: str) -> Message:
    """A steward of the room's coop hides a message with a reason. Nothing is deleted: the
    author and stewards still see the text, everyone sees that it was hidden and why."""
    reason = _clean_reason(reason)
    room, message = _locked_message(message)
    if not policy_for(room).is_moderator(room, steward):
        raise NotASteward()
    if message.is_hidden:
        raise AlreadyHidden()
    message.hidden_at = timezone.now()
    message.hidden_reason = reason
    message.hidden_by = steward
    message.seq = _take_seq(room)
    message.save(update_fields=["hidden_at", "hidden_reason", "hidden_by", "seq"])
    Report.objects.filter(message=message, resolved_at__isnull=True).update(
        resolved_at=message.hidden_at, resolved_by=steward)
    event_record(type="forum.message_hidden", coop=room.coop_id, actor=steward, subject=message,
                 payload={"room": room.pk, "seq": message.seq, "author": message.author_id})
    if message.author_id != steward.pk:
        notify(user=message.author, kind="forum.hidden",
               message=gettext_noop("A steward hid your message in %(room)s: %(reason)s"),
               params={"room": room.title, "reason": reason},
               link=reverse("forums:room", args=[room.pk]) + f"#m{message.pk}")
    _push(message)
    return message


@transaction.atomic
def message_report(*, user: User, message: Message, reason: str) -> Report:
    """A reader flags a message; the coop's stewards are notified."""
    reason = _clean_reason(reason)
    message = Message.objects.select_related("room").filter(pk=getattr(message, "pk", message)).first()
    if message is None:
        raise UnknownMessage()
    room = message.room
    if not policy_for(room).can_read(room, user):
        raise NotAllowed()
    if Report.objects.filter(message=message, reporter=user).exists():
        raise AlreadyReported()
    report = Report.objects.create(message=message, reporter=user, reason=reason)
    event_record(type="forum.message_reported", coop=room.coop_id, actor=user, subject=message,
                 payload={"room": room.pk, "report": report.pk})
    link = reverse("forums:room", args=[room.pk]) + f"#m{message.pk}"
    for steward in stewards_of(room.coop_id):
        notify(user=steward, kind="forum.report",
               message=gettext_noop("A message in %(room)s was reported: %(reason)s"),
               params={"room": room.title, "reason": reason},
               link=link)
    return report


@transaction.atomic
def read_marker_set(*, user: User, room: Room | int, seq: int | None = None) -> int:
    """Mark `room` read up to `seq` (default: everything). Markers only move forward. Not an
    event: reading is private and would flood the log."""
    room = Room.objects.filter(pk=getattr(room, "pk", room)).first()
    if room is None or not policy_for(room).can_read(room, user):
        raise NotAllowed()
    head = room.head_seq
    seq = head if seq is None else max(0, min(int(seq), head))
    _marker_advance(room=room, user=user, seq=seq)
    return seq
