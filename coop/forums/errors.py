"""Errors of the forums, each with a stable code (the websocket's error frames use them too)."""

from django.utils.translation import gettext_lazy as _

from coop.core.errors import Conflict, DomainError, Forbidden, NotFound
from coop.federation.errors import NotASteward as NotASteward  # one error for "not a steward of this coop"


class UnknownRoom(NotFound):
    code = "unknown_room"
    default_message = _("There is no such room.")


class UnknownMessage(NotFound):
    code = "unknown_message"
    default_message = _("There is no such message in this room.")


class UnknownRoomKind(DomainError):
    code = "unknown_room_kind"
    default_message = _("Rooms cannot be made for this kind of thing.")


class NotAllowed(Forbidden):
    code = "not_allowed"
    default_message = _("You may not take part in this room.")


class NotAuthor(Forbidden):
    code = "not_author"
    default_message = _("Only the author may edit a message.")


class EmptyMessage(DomainError):
    code = "empty_message"
    default_message = _("Write something first.")


class MessageTooLong(DomainError):
    code = "too_long"
    default_message = _("This message is too long.")


class BadReply(DomainError):
    code = "bad_reply"
    default_message = _("You can only reply to a message of the same room.")


class ReasonRequired(DomainError):
    code = "reason_required"
    default_message = _("Please give a reason (at least 5 characters).")


class MessageHidden(Conflict):
    code = "message_hidden"
    default_message = _("This message was hidden by a steward and cannot be edited.")


class AlreadyHidden(Conflict):
    code = "already_hidden"
    default_message = _("This message is already hidden.")


class AlreadyReported(Conflict):
    code = "already_reported"
    default_message = _("You have already reported this message.")


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
    default_message = _("You are sending messages too fast. Wait a moment and try again.")
