from django.utils.translation import gettext_lazy as _

from coop.core.errors import DomainError, Forbidden, NotFound
from coop.core.errors import KeyReused as _KeyReused


class InsufficientFunds(DomainError):
    code = "insufficient_funds"
    default_message = _("There is not enough money in this account for that.")


class InvalidAmount(DomainError):
    code = "invalid_amount"
    default_message = _("An amount must be a whole positive number of minor units.")


class UnknownAccount(NotFound):
    code = "unknown_account"
    default_message = _("This account does not exist.")


class NotYours(Forbidden):
    code = "not_yours"
    default_message = _("This is not yours to move.")


class KeyReused(_KeyReused):
    default_message = _("This key was already used for a different movement of money.")


class InvalidPayout(DomainError):
    code = "invalid_payout"
    default_message = _("This payout request is not valid.")


class SandboxRefused(Forbidden):
    code = "sandbox_world"
    default_message = _("Money never moves between the sandbox and the real ledger: test money stays in the "
                        "sandbox, and real money never goes into it.")
