from django.utils.translation import gettext_lazy as _

from coop.core.errors import Conflict, DomainError, Forbidden


class NotASteward(Forbidden):
    code = "not_a_steward"
    default_message = _("Only a steward of this coop may do this.")


class NotAMember(Forbidden):
    code = "not_a_member"
    default_message = _("You are not an active member of this coop.")


class AlreadyMember(Conflict):
    code = "already_member"
    default_message = _("You already belong to a coop or have an application pending.")


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_message = _("This membership cannot change that way now.")


class ReasonRequired(DomainError):
    code = "reason_required"
    default_message = _("Write a reason (at least 10 characters).")
