"""The "work opened" push (issue 18): when a project opens, reopens or gets a new batch, every
open work socket (`/ws/work/`, tasks/consumers.py) of an active member of its coop is told at
once, so a member sees new work appear without polling the feed.

The frame is built inside the transaction that opened the work, encoded once after its commit
and sent to the coop's channel-layer group; each socket forwards the same text. What it says is what the coop's
feed already shows each of its active members (title, pay, time, tasks left), nothing more.
Sockets that missed a push (offline, a dropped message) ask for a catch-up: the projects whose
batch opened after a time (`tasks.selectors.projects_opened_since`).

Records no event: it only tells about a publication whose own event (`project.published`,
`project.resumed`, `project.tasks_added`) is already recorded."""

import json
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from tasks.selectors import open_slots_of

logger = logging.getLogger(__name__)

KINDS = ("published", "resumed", "tasks_added")


def work_group(coop_id):
    """The channel-layer group of every open work socket of the coop's active members."""
    return f"work.coop.{int(coop_id)}"


def work_frame(project, *, kind, at=None):
    """The `work_opened` frame for a project as the feed shows it (a dict, JSON-ready)."""
    opened = at or project.batch_opened_at or timezone.now()
    # a catch-up's projects come with their count (`projects_opened_since`); else it is read now
    remaining = project.remaining if hasattr(project, "remaining") else open_slots_of(project.pk)
    return {
        "type": "work_opened", "kind": kind, "project": project.pk, "title": project.title,
        "category": project.category, "reward": project.reward, "estimated_minutes": project.estimated_minutes,
        "hourly": project.reward * 60 // max(project.estimated_minutes, 1), "remaining": remaining,
        "fair_share_cap": project.fair_share_cap,
        "fair_share_until": project.fair_share_until.isoformat() if project.fair_share_until else None,
        "opened_at": opened.isoformat(), "url": f"/work/projects/{project.pk}/",
    }


def encode(frame):
    return json.dumps(frame, separators=(",", ":"))


def work_opened_later(project, *, kind):
    """After commit, tell the coop's open work sockets that `project`'s work opened. The frame
    is taken now (inside the transaction that opened it) and sent once the work is visible. A
    project open only to members in some countries (it cites a legal reason) is not pushed: the
    coop-wide group would name it to members the feed does not show it to (docs/transparency.md);
    the members who asked to be told still are, once eligible (`watchers_notify`)."""
    assert kind in KINDS, kind
    if project.legal_reason:  # issue 23: open only in some countries; the group would name it to every member
        return
    frame = work_frame(project, kind=kind, at=timezone.now() if kind == "resumed" else None)
    coop_id = project.coop_id
    transaction.on_commit(lambda: work_push(coop_id=coop_id, frame=frame), robust=True)


def work_push(*, coop_id, frame):
    """Send one `work_opened` frame to the coop's group now, stamped with the time it is sent
    (`sent_at`: a client can tell how long delivery took). A failure is logged, not raised: the
    work is open already, and sockets catch up on their own."""
    layer = get_channel_layer()
    if layer is None:
        return
    text = encode({**frame, "sent_at": timezone.now().isoformat()})
    try:
        async_to_sync(layer.group_send)(work_group(coop_id), {"type": "work.opened", "text": text})
    except Exception:
        logger.exception("work: telling the sockets of coop %s failed", coop_id)
