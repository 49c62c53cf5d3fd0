"""Room kinds (DESIGN.md seam 11).

A room is about a subject (a coop, a project, a proposal, an appeal) or, for rooms stewards
create, about nothing but its title. Each kind has a *policy* deciding the room's title and
coop, who reads and writes, who moderates and how an author is shown. Apps register their
kinds with `register_room_kind(model_label, policy)`; `room_for(subject)` returns the
subject's room, creating it the first time it is needed.

Policies never import other apps' models at import time (see `coop/forums/kinds.py`): a kind
whose app is not installed is simply not registered."""

import re

from django.db import IntegrityError, transaction

from coop.eventlog.services import event_record
from coop.federation.models import Membership
from coop.forums.errors import UnknownRoomKind
from coop.forums.models import Message, Room

_BY_LABEL = {}
_BY_KIND = {}


class RoomPolicy:
    """The default rules: active members of the room's coop read and write, its stewards
    moderate, authors appear under their display name."""

    kind = ""
    # True when `candidate_rooms` selects exactly the readable rooms (no `can_read` per room).
    exact_candidates = True

    # --- about the subject ------------------------------------------------------------
    def coop_of(self, subject):
        return subject.coop

    def title_of(self, subject):
        return str(subject)[:160]

    def subject_of(self, room):
        """The room's subject, or None."""
        return None

    # --- who ---------------------------------------------------------------------------
    def membership(self, room, user):
        if not user.is_authenticated:
            return None
        return Membership.objects.active().filter(user=user, coop_id=room.coop_id).first()

    def can_read(self, room, user):
        return self.membership(room, user) is not None

    def can_write(self, room, user):
        return self.can_read(room, user)

    def is_moderator(self, room, user):
        membership = self.membership(room, user)
        return bool(membership and membership.is_steward)

    def author(self, room, user):
        """`(label, role)` the author appears under in this room."""
        membership = self.membership(room, user)
        role = Message.AuthorRole.STEWARD if membership and membership.is_steward else Message.AuthorRole.MEMBER
        return user.display_name, role

    def mention_candidates(self, room):
        """`(user, label)` pairs a message in this room may mention with `@label`."""
        members = Membership.objects.active().filter(coop_id=room.coop_id)
        for membership in members.select_related("user", "user__profile"):
            if self.can_read(room, membership.user):
                yield membership.user, membership.user.display_name

    def candidate_rooms(self, user, membership):
        """A Q over Room selecting the rooms of this kind `user` (whose active membership is
        `membership`, or None) may read: exactly, or a superset checked with `can_read` when
        `exact_candidates` is False. None when there are none."""
        return None


def register_room_kind(model_label, policy):
    """Register `policy` for rooms about instances of `model_label` ("app_label.Model"),
    or for rooms without a subject when `model_label` is None."""
    if not policy.kind:
        raise ValueError("A room policy needs a kind.")
    _BY_KIND[policy.kind] = policy
    if model_label:
        _BY_LABEL[model_label.lower()] = policy


def policy_for(room):
    policy = _BY_KIND.get(room.kind)
    if policy is None:
        raise UnknownRoomKind()
    return policy


def policies():
    return dict(_BY_KIND)


def subject_label(subject):
    return subject._meta.label_lower


def policy_for_subject(subject):
    policy = _BY_LABEL.get(subject_label(subject))
    if policy is None:
        raise UnknownRoomKind()
    return policy


def room_for(subject):
    """The room about `subject` (a Coop, or any registered kind), created the first time it
    is needed. Safe against two requests creating it at once (one unique room per subject)."""
    policy = policy_for_subject(subject)
    label = subject_label(subject)
    key = {"subject_type": label, "subject_id": str(subject.pk)}
    room = Room.objects.filter(**key).first()
    if room is not None:
        return room
    try:
        with transaction.atomic():
            coop = policy.coop_of(subject)
            room = Room.objects.create(kind=policy.kind, coop=coop, title=policy.title_of(subject), **key)
            event_record(type="forum.room_created", coop=coop, subject=room,
                         payload={"room": room.pk, "kind": room.kind, "subject_id": int_or_none(subject.pk)})
    except IntegrityError:
        room = Room.objects.get(**key)
    return room


def int_or_none(value):
    return int(value) if re.fullmatch(r"\d{1,18}", str(value)) else None
