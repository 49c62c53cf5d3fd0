"""The work socket: `/ws/work/`, "tell me when work opens" without polling (issue 18).

An active member's socket joins their coop's group and is sent, the moment a project of the
coop opens, reopens or gets a new batch, the `work_opened` frame that tasks/live.py encodes
once for everyone. Sessions only (as the forums' socket); the ASGI application checks the
Origin header against ALLOWED_HOSTS before any consumer runs (coop/asgi.py).

Client → server (JSON objects):
    {"type": "catch_up", "since": "2026-12-05T00:10:00+00:00"}   what opened after that time
    {"type": "ping"}
Server → client:
    {"type": "ready", "coop": 3, "now": "..."}      the socket is live for coop 3
    {"type": "work_opened", "kind": "published", "project": 12, "title": "...", "remaining": 500,
     "reward": 40, "estimated_minutes": 2, "hourly": 1200, "opened_at": "...", "url": "...", ...}
    {"type": "caught_up", "more": false}            the end of a catch-up (more: ask again from
                                                    the last opened_at)
    {"type": "pong"}   {"type": "error", "code": "...", "message": "...", "extra": {...}}
    {"type": "closed", "code": "access_lost", "message": "..."}   then the socket closes (4403)

Who may connect is decided by `coop.federation.access.membership_active_of` (an active member
of a coop); anyone else is told why and closed (4401 not logged in, 4403 not an active member).
Access is checked again when a service reports that it changed (`access_changed`: suspended,
left) and before delivering when the last check is older than ACCESS_RECHECK_SECONDS."""

import logging
import time

from channels.db import database_sync_to_async
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from coop.core.guard import json_loads
from coop.core.sockets import Consumer
from coop.federation.access import access_group, membership_active_of
from coop.ops import metrics
from tasks import selectors
from tasks.live import encode, work_frame, work_group

logger = logging.getLogger(__name__)

CLOSE_NOT_AUTHENTICATED = 4401
CLOSE_NOT_A_MEMBER = 4403
FRAME_LIMIT = 1024
# The push that a service sends when it takes access away is the main check; this bounds the
# damage of a lost one (what leaks is what the coop's feed shows its members) without a query
# per socket at every opening, when thousands of sockets are told at the same moment.
ACCESS_RECHECK_SECONDS = 300
CATCH_UP_LIMIT = 50  # frames in one catch-up answer; `more` says to ask again


@database_sync_to_async
def _coop_of(user):
    membership = membership_active_of(user)
    return membership.coop_id if membership is not None else None


@database_sync_to_async
def _opened_since(coop_id, since):
    projects = selectors.projects_opened_since(coop_id=coop_id, since=since, limit=CATCH_UP_LIMIT + 1)
    more = len(projects) > CATCH_UP_LIMIT
    return [encode(work_frame(p, kind="published")) for p in projects[:CATCH_UP_LIMIT]], more


class WorkConsumer(Consumer):  # dispatch without a database hop per message
    async def connect(self):
        self.user = self.scope.get("user")
        self.coop_id = None
        await self.accept()
        if self.user is None or not self.user.is_authenticated:
            await self.send_error("not_authenticated", _("Log in to take part."))
            await self.close(code=CLOSE_NOT_AUTHENTICATED)
            return
        self.coop_id = await _coop_of(self.user)
        if self.coop_id is None:
            await self.send_error("not_a_member", _("Only active members of a coop can take work."))
            await self.close(code=CLOSE_NOT_A_MEMBER)
            return
        self.checked = time.monotonic()
        await self.channel_layer.group_add(work_group(self.coop_id), self.channel_name)
        await self.channel_layer.group_add(access_group(self.user.pk), self.channel_name)
        await self.send_json({"type": "ready", "coop": self.coop_id, "now": timezone.now().isoformat()})

    async def disconnect(self, code):
        if getattr(self, "coop_id", None) is None:
            return
        try:
            await self.channel_layer.group_discard(work_group(self.coop_id), self.channel_name)
            await self.channel_layer.group_discard(access_group(self.user.pk), self.channel_name)
        except Exception:  # e.g. a mass disconnect exhausting the pool: the membership expires anyway
            logger.warning("work socket: leaving the groups on disconnect failed", exc_info=True)

    async def send_json(self, data):
        await self.send(text_data=encode(data))

    async def send_error(self, code, message, extra=None):
        await self.send_json({"type": "error", "code": code, "message": str(message), "extra": extra or {}})

    # --- frames from the client -----------------------------------------------------------
    async def receive(self, text_data=None, bytes_data=None):
        if self.coop_id is None:
            return
        try:
            if text_data is None or len(text_data) > FRAME_LIMIT:
                await self.send_error("bad_frame", _("Send short text frames with JSON."), {"max_chars": FRAME_LIMIT})
                return
            try:
                frame = json_loads(text_data)
            except ValueError:
                frame = None
            kind = frame.get("type") if isinstance(frame, dict) else None
            if kind == "ping":
                await self.send_json({"type": "pong"})
            elif kind == "catch_up":
                await self.catch_up(frame.get("since"))
            else:
                await self.send_error("unknown_type", _("Unknown frame type."), {"types": ["catch_up", "ping"]})
        except OSError:  # the client went away while we answered
            return
        except Exception:
            logger.exception("work socket: frame failed")
            await self.send_error("server_error", _("Something went wrong on our side. Try again."))

    async def catch_up(self, since):
        when = parse_datetime(since) if isinstance(since, str) else None
        if when is None or timezone.is_naive(when):
            await self.send_error("bad_frame", _("since must be a date and time with its time zone (ISO 8601)."))
            return
        if not await self.still_allowed():
            return
        frames, more = await _opened_since(self.coop_id, when)
        for text in frames:
            await self.send(text_data=text)
        await self.send_json({"type": "caught_up", "more": more})

    async def still_allowed(self):
        """Check the membership again; close the socket (saying why) when it is no longer active
        in the coop the socket follows."""
        coop_id = await _coop_of(self.user)
        if coop_id == self.coop_id:
            self.checked = time.monotonic()
            return True
        await self.channel_layer.group_discard(work_group(self.coop_id), self.channel_name)
        self.coop_id = None
        await self.send_json({"type": "closed", "code": "access_lost",
                              "message": _("You are no longer an active member of this coop.")})
        await self.close(code=CLOSE_NOT_A_MEMBER)
        return False

    # --- from the channel layer -----------------------------------------------------------------
    async def access_changed(self, event):
        if self.coop_id is None:
            return
        try:
            await self.still_allowed()
        except OSError:
            return
        except Exception:
            logger.exception("work socket: rechecking access failed")

    async def work_opened(self, event):
        if self.coop_id is None:
            return
        try:
            if time.monotonic() - self.checked >= ACCESS_RECHECK_SECONDS and not await self.still_allowed():
                return
            await self.send(text_data=event["text"])
            metrics.channel_delivered("work")
        except OSError:  # the client is gone; its next connection catches up
            return
        except Exception:
            logger.exception("work socket: forwarding an opening failed")
