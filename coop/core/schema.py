"""The OpenAPI schema's conventions: one error shape, declared on every operation.

`AutoSchema` (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]) documents each operation's success
response from the serializer its view renders with, then adds the error responses the
project's middleware and exception handler (coop.core.api) can give it, every one with the
body `coop.core.api.ErrorSerializer` describes. An error a view declares itself (`404: ERROR`,
`**ERRORS`, from coop.core.api) gets the same body, so no operation can document a second
error shape or forget one.

Kept in its own module, away from coop.core.api and coop.core.parsers: DRF reads
DEFAULT_SCHEMA_CLASS lazily (when a schema is generated), and this module imports
drf_spectacular.openapi, which imports rest_framework.views."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

from coop.core.api import ErrorSerializer

# status -> when it happens (the response's description in the schema)
ERROR_STATUSES = {
    400: _("Invalid input: a field, a query parameter, a body that does not parse, or a rule of the domain."),
    403: _("Not signed in, an unknown or revoked API key, or not allowed."),
    404: _("Nothing here for you (things of another coop or organisation are 404 too)."),
    409: _("Conflicts with the current state (or an idempotency key reused with another body)."),
    413: _("The request body is too large."),
    415: _("The request body's content type is not accepted (send JSON)."),
    429: _("Too many requests: slow down and retry later."),
    503: _("Busy (a lock or a serialisation conflict): nothing was done, retry."),
}
BODY_METHODS = ("POST", "PUT", "PATCH")


class AutoSchema(SpectacularAutoSchema):
    def error_statuses(self):
        """The error statuses this operation can answer with, whatever its view declares:
        - 400 and 403 everywhere: the input guard checks every query string, and an unknown or
          revoked API key is refused before any permission is looked at;
        - 404 wherever the path names an object; 409 and 503 for writes; 413 and 415 where
          a body is read; 429 where the view is throttled."""
        codes = {400, 403}
        if "{" in self.path:
            codes.add(404)
        if self.method not in ("GET", "HEAD", "OPTIONS"):
            codes |= {409, 503}
        if self.method in BODY_METHODS:
            codes |= {413, 415}
        if self.view.get_throttles():
            codes.add(429)
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        declared = {int(code) for code in responses if code.isdigit() and int(code) >= 400}
        for code in sorted(declared | self.error_statuses()):
            response = self._get_response_for_code(ErrorSerializer, str(code), direction=direction)
            response["description"] = str(ERROR_STATUSES.get(code, ""))
            responses[str(code)] = response
        return dict(sorted(responses.items()))
