from django.utils.translation import gettext_lazy as _

from coop.core.errors import Conflict, DomainError, Forbidden


class AppealWindowClosed(Conflict):
    code = "appeal_window_closed"
    default_message = _("The appeal window has closed.")


class AlreadyAppealed(Conflict):
    code = "already_appealed"
    default_message = _("This decision has already been appealed.")


class NotAppealable(Conflict):
    code = "not_appealable"
    default_message = _("This decision cannot be appealed.")


class NotAJuror(Forbidden):
    code = "not_a_juror"
    default_message = _("You are not on this jury.")


class AlreadyVoted(Conflict):
    code = "already_voted"
    default_message = _("You have already voted on this appeal.")


class StatementRequired(DomainError):
    code = "statement_required"
    default_message = _("Explain your appeal (at least 20 characters).")
