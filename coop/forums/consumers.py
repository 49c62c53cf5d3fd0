"""The forums' websocket: `/ws/forums/`, one socket per page, any number of rooms.

Client → server frames (JSON objects):
    {"type": "join", "room": 7, "since": 41}      read check; everything after 41, then live
    {"type": "post", "room": 7, "body": "...", "reply_to": null, "ref": "c1"}
    {"type": "catch_up", "room": 7, "since": 41}  ask again (e.g. after a long idle)
    {"type": "read", "room": 7, "seq": 45}        read marker
    {"type": "leave", "room": 7}   {"type": "ping"}
Server → client:
    {"type": "message", "room": 7, "message": {...}}   a message's state at sequence number `seq`
    {"type": "joined", "room": 7, "head": 45, "can_write": true, "moderator": false}
    {"type": "posted", "ref": "c1", "id": 90, "seq": 46}   {"type": "pong"}
    {"type": "error", "code": "...", "message": "...", "extra": {...}, "ref": "c1"}

Access is checked again while the socket is open: on every catch-up, before delivering a
change when the last check is older than `ACCESS_RECHECK_SECONDS`, and at once when a service
reports that the user's access changed (`coop.federation.access.access_changed`: suspended,
left, lost a jury seat, ...). A room the user may no longer read is left with
    {"type": "left", "room": 7, "code": "access_lost", "message": "..."}
and nothing more of it is sent.

Delivery: the channel layer delivers at most once and drops messages for slow sockets, so
each socket remembers the last number it forwarded per room; a change that arrives out of
order or after a gap makes it read the missed changes from the database first. Nothing is
ever skipped, nothing is sent twice."""

import json
import logging
import time

from channels.db import database_sync_to_async
from django.utils.translation import gettext as _

from coop.core.errors import DomainError
from coop.core.guard import json_loads
from coop.core.sockets import Consumer
from coop.federation.access import access_group
from coop.forums import selectors, services
from coop.forums.errors import NotAllowed
from coop.forums.models import Room
from coop.forums.registry import policy_for
from coop.ops import metrics

logger = logging.getLogger(__name__)

CLOSE_NOT_AUTHENTICATED = 4401
# How stale a socket's access check may be when a change is delivered (seconds). Services
# that take access away also tell the sockets at once; this bounds the damage of a lost push.
ACCESS_RECHECK_SECONDS = 30


def frame_limit():
    # a post frame holds the body (up to 4 bytes a character in UTF-8, escaped) plus a few fields
    return services.max_message_chars() * 6 + 1024


# One change reaches every socket of the room in this process: encode each variant of its
# frame once (public or full, the author's own or not), not once per socket.
_FRAMES = {}
_FRAMES_MAX = 512


def change_frame(event, *, user_id, moderator):
    mine = event["author_id"] == user_id
    full = bool(event.get("full")) and (mine or moderator)
    key = (event["room"], event["seq"], full, mine)
    text = _FRAMES.get(key)
    if text is None:
        message = selectors.change_for_reader(event, user_id=user_id, moderator=moderator)
        text = json.dumps({"type": "message", "room": event["room"], "message": message}, separators=(",", ":"))
        if len(_FRAMES) >= _FRAMES_MAX:
            _FRAMES.clear()
        _FRAMES[key] = text
    return text


class FrameError(DomainError):
    pass


def _room_id(frame):
    value = frame.get("room")
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise FrameError("bad_frame", _("The frame needs a room number."))
    return int(value)


def _seq(value):
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise FrameError("bad_frame", _("A sequence number must be a whole number."))
    return int(value)


# --- database work (sync, one short transaction each) ----------------------------------
@database_sync_to_async
def _join(user, room_id, since):
    room = selectors.room_get(user=user, room_id=room_id)
    policy = policy_for(room)
    moderator = policy.is_moderator(room, user)
    return {"room": room.pk, "head": room.head_seq, "can_write": policy.can_write(room, user),
            "moderator": moderator}


def _access_now(user, room):
    """`{"moderator": ...}` if `user` may still read `room`, else None."""
    policy = policy_for(room)
    if not policy.can_read(room, user):
        return None
    return {"moderator": policy.is_moderator(room, user)}


@database_sync_to_async
def _recheck(user, room_ids):
    """The user's access to each room now: {room id: {"moderator": ...} or None}."""
    rooms = {room.pk: room for room in Room.objects.filter(pk__in=room_ids)}
    return {room_id: _access_now(user, rooms[room_id]) if room_id in rooms else None for room_id in room_ids}


@database_sync_to_async
def _changes_since(user, room_id, since, moderator):
    """Reader-specific states of every message changed after `since` (all of them, in
    pages), and the number of the last one. Checks first that `user` may still read the
    room (NotAllowed otherwise) and reads as the moderator they are now."""
    room = Room.objects.get(pk=room_id)
    access = _access_now(user, room)
    if access is None:
        raise NotAllowed()
    moderator = access["moderator"]
    out = []
    while True:
        page = selectors.messages_since(room=room, since=since)
        out += [selectors.message_for_reader(m, user=user, moderator=moderator) for m in page]
        if len(page) < selectors.CATCH_UP_LIMIT:
            break
        since = page[-1].seq
    return out


@database_sync_to_async
def _post(user, room_id, body, reply_to):
    message = services.message_post(user=user, room=room_id, body=body, reply_to=reply_to)
    return {"id": message.pk, "seq": message.seq}


@database_sync_to_async
def _read(user, room_id, seq):
    return services.read_marker_set(user=user, room=room_id, seq=seq)


class ForumConsumer(Consumer):  # dispatch without a database hop per message
    async def connect(self):
        self.user = self.scope.get("user")
        self.rooms = {}  # room id -> {"last": seq forwarded, "moderator": bool}
        await self.accept()
        if self.user is None or not self.user.is_authenticated:
            await self.send_error("not_authenticated", _("Log in to take part."))
            await self.close(code=CLOSE_NOT_AUTHENTICATED)
            return
        await self.channel_layer.group_add(access_group(self.user.pk), self.channel_name)

    async def disconnect(self, code):
        user = getattr(self, "user", None)
        if user is not None and user.is_authenticated:
            try:
                await self.channel_layer.group_discard(access_group(user.pk), self.channel_name)
            except Exception:
                logger.warning("forums: leaving the access group on disconnect failed", exc_info=True)
        for room_id in list(getattr(self, "rooms", {})):
            try:
                await self.channel_layer.group_discard(selectors.room_group(room_id), self.channel_name)
            except Exception:  # e.g. a mass disconnect exhausting the pool: the membership expires anyway
                logger.warning("forums: leaving room %s on disconnect failed", room_id, exc_info=True)

    async def send_json(self, data):
        await self.send(text_data=json.dumps(data, separators=(",", ":")))

    async def send_error(self, code, message, extra=None, ref=None):
        frame = {"type": "error", "code": code, "message": str(message), "extra": extra or {}}
        if ref is not None:
            frame["ref"] = ref
        await self.send_json(frame)

    # --- frames from the client -----------------------------------------------------------
    async def receive(self, text_data=None, bytes_data=None):
        ref = None
        try:
            if text_data is None:
                raise FrameError("bad_frame", _("Send text frames with JSON."))
            if len(text_data) > frame_limit():
                raise FrameError("too_long", _("This message is too long."),
                                 {"max_chars": services.max_message_chars()})
            try:
                frame = json_loads(text_data)
            except ValueError:
                raise FrameError("bad_json", _("This frame is not valid JSON."))
            if not isinstance(frame, dict):
                raise FrameError("bad_frame", _("A frame is a JSON object with a type."))
            ref = frame.get("ref") if isinstance(frame.get("ref"), str | int) else None
            handler = self.HANDLERS.get(frame.get("type"))
            if handler is None:
                raise FrameError("unknown_type", _("Unknown frame type."), {"types": sorted(self.HANDLERS)})
            await handler(self, frame)
        except DomainError as exc:
            await self.send_error(exc.code, exc.message, exc.extra, ref)
        except OSError:  # the client went away while we answered: nothing to tell it
            return
        except Exception:
            logger.exception("forums: frame failed")
            await self.send_error("server_error", _("Something went wrong on our side. Try again."), ref=ref)

    async def on_join(self, frame):
        room_id, since = _room_id(frame), _seq(frame.get("since"))
        info = await _join(self.user, room_id, since)
        if room_id not in self.rooms:
            await self.channel_layer.group_add(selectors.room_group(room_id), self.channel_name)
        # never ahead of the room: a client with a bogus number would otherwise miss what comes next
        self.rooms[room_id] = {"last": min(since, info["head"]), "moderator": info["moderator"],
                               "checked": time.monotonic()}
        await self.catch_up(room_id)
        await self.send_json({"type": "joined", **info, "head": self.rooms[room_id]["last"]})

    async def on_catch_up(self, frame):
        room_id = self._joined(frame)
        state = self.rooms[room_id]
        state["last"] = min(state["last"], _seq(frame.get("since")))
        await self.catch_up(room_id)

    async def on_post(self, frame):
        room_id = self._joined(frame)
        body = frame.get("body")
        if not isinstance(body, str):
            raise FrameError("bad_frame", _("A post needs a body."))
        reply_to = frame.get("reply_to")
        if reply_to is not None and (isinstance(reply_to, bool) or not str(reply_to).isdigit()):
            raise FrameError("bad_frame", _("reply_to must be a message id."))
        posted = await _post(self.user, room_id, body, reply_to)
        await self.send_json({"type": "posted", "ref": frame.get("ref"), **posted})

    async def on_read(self, frame):
        room_id = self._joined(frame)
        seq = await _read(self.user, room_id, _seq(frame.get("seq")))
        await self.send_json({"type": "read", "room": room_id, "seq": seq})

    async def on_leave(self, frame):
        room_id = self._joined(frame)
        del self.rooms[room_id]
        await self.channel_layer.group_discard(selectors.room_group(room_id), self.channel_name)
        await self.send_json({"type": "left", "room": room_id})

    async def on_ping(self, frame):
        await self.send_json({"type": "pong"})

    HANDLERS = {"join": on_join, "catch_up": on_catch_up, "post": on_post, "read": on_read, "leave": on_leave,
                "ping": on_ping}

    def _joined(self, frame):
        room_id = _room_id(frame)
        if room_id not in self.rooms:
            raise FrameError("not_joined", _("Join the room first."))
        return room_id

    async def drop(self, room_id):
        """Leave a room the user may no longer read, and say so."""
        if self.rooms.pop(room_id, None) is None:
            return
        await self.channel_layer.group_discard(selectors.room_group(room_id), self.channel_name)
        await self.send_json({"type": "left", "room": room_id, "code": "access_lost",
                              "message": _("You can no longer read this room.")})

    async def catch_up(self, room_id):
        state = self.rooms[room_id]
        try:
            changes = await _changes_since(self.user, room_id, state["last"], state["moderator"])
        except NotAllowed:
            await self.drop(room_id)
            return
        state["checked"] = time.monotonic()
        for message in changes:
            if message["seq"] > state["last"]:
                state["last"] = message["seq"]
                await self.send_json({"type": "message", "room": room_id, "message": message})

    async def recheck(self, room_ids):
        """Check access to these rooms now; leave the lost ones, follow moderator changes."""
        for room_id, access in (await _recheck(self.user, list(room_ids))).items():
            state = self.rooms.get(room_id)
            if state is None:
                continue
            if access is None:
                await self.drop(room_id)
            else:
                state["moderator"], state["checked"] = access["moderator"], time.monotonic()

    # --- from the channel layer -----------------------------------------------------------------
    async def access_changed(self, event):
        """A service took access away (or changed a role): check every joined room now."""
        try:
            await self.recheck(list(self.rooms))
        except OSError:
            return
        except Exception:
            logger.exception("forums: rechecking access failed")

    async def forum_change(self, event):
        state = self.rooms.get(event["room"])
        if state is None or event["seq"] <= state["last"]:
            return  # not joined (any more), or already sent by a catch-up
        try:
            if time.monotonic() - state["checked"] >= ACCESS_RECHECK_SECONDS:
                await self.recheck([event["room"]])
                state = self.rooms.get(event["room"])
                if state is None:
                    return  # access lost: nothing more of this room
            if event["seq"] == state["last"] + 1:
                state["last"] = event["seq"]
                await self.send(text_data=change_frame(event, user_id=self.user.pk, moderator=state["moderator"]))
                metrics.channel_delivered("forum")
            else:  # a change was lost or overtaken: read what was missed, in order
                await self.catch_up(event["room"])
        except OSError:  # the client is gone; its next connection catches up
            return
        except Exception:
            logger.exception("forums: forwarding a change failed")
