"""One error type for every rule the domain enforces.

Services raise `DomainError(code, message, extra)`; the API turns it into
`{"code", "message", "extra"}` with the status below, pages show `message`."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status = 400
    code = "invalid"
    default_message = _("This action is not allowed.")

    def __init__(self, code=None, message=None, extra=None):
        self.code = code or self.code
        self.message = message if message is not None else self.default_message
        self.extra = extra or {}
        super().__init__(str(self.message))

    def as_dict(self):
        return {"code": self.code, "message": str(self.message), "extra": self.extra}


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = _("Not found.")


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    default_message = _("You may not do this.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _("This conflicts with the current state.")


class KeyReused(Conflict):
    """An idempotency key used again for something else: an API `Idempotency-Key` on another
    request (coop.core.idempotency), a ledger movement's key on another movement (ledger)."""

    code = "idempotency_key_reused"
