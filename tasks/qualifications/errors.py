from django.utils.translation import gettext_lazy as _

from coop.core.errors import Conflict, DomainError, Forbidden


class InvalidRule(DomainError):
    """A rule that does not parse, names an unknown metric, has a value of the wrong type or
    can never be met. `extra` holds `path` (where in the rule) and `problem` (a short code)."""

    code = "invalid_rule"
    default_message = _("This rule is not valid.")


class NotQualified(Forbidden):
    code = "not_qualified"
    default_message = _("You do not hold the qualifications this work requires.")


class TestClosed(Conflict):
    code = "test_closed"
    default_message = _("This test is closed.")


class AttemptRefused(Conflict):
    code = "attempt_refused"
    default_message = _("You cannot start this test now.")
