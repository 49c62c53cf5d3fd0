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

Delivery: the channel layer delivers at most once and drops messages for slow sockets, so
each socket remembers the last number it forwarded per room; a change that arrives out of
order or after a gap makes it read the missed changes from the database first. Nothing is
ever skipped, nothing is sent twice."""

import json
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils.translation import gettext as _

from coop.core.errors import DomainError
from coop.forums import selectors, services
from coop.forums.registry import policy_for

logger = logging.getLogger(__name__)

CLOSE_NOT_AUTHENTICATED = 4401


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


@database_sync_to_async
def _changes_since(user, room_id, since, moderator):
    """Reader-specific states of every message changed after `since` (all of them, in
    pages), and the number of the last one."""
    from coop.forums.models import Room

    room = Room.objects.get(pk=room_id)
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


class ForumConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.user = self.scope.get("user")
        self.rooms = {}  # room id -> {"last": seq forwarded, "moderator": bool}
        await self.accept()
        if self.user is None or not self.user.is_authenticated:
            await self.send_error("not_authenticated", _("Log in to take part."))
            await self.close(code=CLOSE_NOT_AUTHENTICATED)

    async def disconnect(self, code):
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
                frame = json.loads(text_data)
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
        self.rooms[room_id] = {"last": min(since, info["head"]), "moderator": info["moderator"]}
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

    async def catch_up(self, room_id):
        state = self.rooms[room_id]
        for message in await _changes_since(self.user, room_id, state["last"], state["moderator"]):
            if message["seq"] > state["last"]:
                state["last"] = message["seq"]
                await self.send_json({"type": "message", "room": room_id, "message": message})

    # --- changes from the channel layer -----------------------------------------------------
    async def forum_change(self, event):
        state = self.rooms.get(event["room"])
        if state is None or event["seq"] <= state["last"]:
            return  # not joined (any more), or already sent by a catch-up
        try:
            if event["seq"] == state["last"] + 1:
                state["last"] = event["seq"]
                await self.send(text_data=change_frame(event, user_id=self.user.pk, moderator=state["moderator"]))
            else:  # a change was lost or overtaken: read what was missed, in order
                await self.catch_up(event["room"])
        except OSError:  # the client is gone; its next connection catches up
            return
        except Exception:
            logger.exception("forums: forwarding a change failed")
