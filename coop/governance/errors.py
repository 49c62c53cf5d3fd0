from django.utils.translation import gettext_lazy as _

from coop.core.errors import Conflict, DomainError, Forbidden


class NotInStatus(Conflict):
    code = "wrong_status"
    default_message = _("The proposal is not at the stage this needs.")


class VotingClosed(Conflict):
    code = "voting_closed"
    default_message = _("Voting on this proposal is closed.")


class NotEligible(Forbidden):
    code = "not_eligible"
    default_message = _("You were not a participating member when this vote opened, so you cannot vote on it.")


class NotAuthor(Forbidden):
    code = "not_author"
    default_message = _("Only the author can do this.")


class InvalidChoice(DomainError):
    code = "invalid_choice"
    default_message = _("Vote yes, no or abstain.")
