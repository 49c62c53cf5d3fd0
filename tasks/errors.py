from django.utils.translation import gettext_lazy as _

from coop.core.errors import Conflict, DomainError, Forbidden, NotFound


class InvalidForm(DomainError):
    code = "invalid_question_form"
    default_message = _("The question form is not valid.")


class InvalidAnswers(DomainError):
    code = "invalid_answers"
    default_message = _("Some answers are not valid.")


class InvalidProject(DomainError):
    code = "invalid_project"
    default_message = _("Some project settings are not valid.")


class InvalidState(Conflict):
    code = "invalid_state"
    default_message = _("This cannot be done in the current state.")


class NotEligible(Forbidden):
    code = "not_eligible"
    default_message = _("You cannot work on this project now.")


class NoFreeSlot(Conflict):
    code = "no_free_slot"
    default_message = _("No task is free in this project right now.")


class FairShareReached(Conflict):
    code = "fair_share_reached"
    default_message = _("You hold your fair share of this batch; more opens when the fair-share window ends.")


class OpenCapReached(Conflict):
    code = "open_assignments_cap"
    default_message = _("You already hold the most open tasks the coop allows. Finish or return one first.")


class NotYours(NotFound):
    code = "not_found"
    default_message = _("Not found.")


class Expired(Conflict):
    code = "assignment_expired"
    default_message = _("The time limit for this task has passed.")


class BelowFloor(DomainError):
    code = "below_floor_rate"
    default_message = _("The reward is below the coop's floor hourly rate.")


class RejectionReasonRequired(DomainError):
    code = "rejection_reason_required"
    default_message = _("Choose a published rejection reason and explain it.")


class BadImport(DomainError):
    code = "bad_rows"
    default_message = _("Some rows are not valid: nothing was created.")
