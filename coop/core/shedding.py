"""Shedding load at the door (issue 18, the busy hour): a bounded queue per server process.

Under ASGI, Django runs its synchronous views one at a time per process (one thread), so
when a batch opens to thousands of members every request past the first waits its turn in
the event loop. Unbounded, that queue grew to tens of seconds and clients gave up in the
middle of a request (a time-out says nothing about whether the claim or the submission
happened). `InFlightLimit` keeps at most `WEB_MAX_IN_FLIGHT` HTTP requests in flight in the
process; past it a request is answered at once `503 Service Unavailable` with `Retry-After`,
before Django, the session or the database is touched: nothing was done, so trying again is
always safe. The API answers the one error shape (`{"code": "busy", "message", "extra":
{"retry_after"}}`), pages a short page in the reader's language. Websockets and `/healthz`
are never shed. `WEB_MAX_IN_FLIGHT=0` turns it off."""

import json

from django.conf import settings
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

EXEMPT = frozenset({"/healthz"})


def _language(scope):
    """The reader's language from the language cookie or Accept-Language (no request object)."""
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", ())}
    cookie = settings.LANGUAGE_COOKIE_NAME + "="
    for part in headers.get("cookie", "").split(";"):
        part = part.strip()
        if part.startswith(cookie):
            try:
                return translation.get_supported_language_variant(part[len(cookie):])
            except LookupError:
                break
    for item in headers.get("accept-language", "").split(","):
        code = item.split(";")[0].strip()
        if code and code != "*":
            try:
                return translation.get_supported_language_variant(code)
            except LookupError:
                continue
    return settings.LANGUAGE_CODE


def busy_response(path: str, language: str, retry_after: int) -> tuple[dict, bytes]:
    """(headers, body) of the 503 for `path` in `language`."""
    with translation.override(language):
        message = _("The service is busy right now. Nothing was changed: please try again in a moment.")
        if path.startswith("/api/"):
            body = json.dumps({"code": "busy", "message": message, "extra": {"retry_after": retry_after}})
            return {"content-type": "application/json"}, body.encode()
        title = _("Busy")
    page = (f'<!doctype html><html lang="{language}"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><title>{escape(title)}</title></head>'
            f'<body><h1>{escape(title)}</h1><p role="alert">{escape(message)}</p></body></html>')
    return {"content-type": "text/html; charset=utf-8"}, page.encode()


class InFlightLimit:
    """ASGI middleware: at most `limit` HTTP requests in flight in this process (0: no limit);
    the others get 503 with `Retry-After: retry_after` at once. One event loop per process, so
    the count needs no lock."""

    def __init__(self, app, *, limit: int, retry_after: int = 1):
        self.app, self.limit, self.retry_after = app, limit, retry_after
        self.in_flight = 0
        self.shed = 0  # answered 503 since the process started

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not self.limit or scope.get("path") in EXEMPT:
            return await self.app(scope, receive, send)
        if self.in_flight >= self.limit:
            self.shed += 1
            headers, body = busy_response(scope.get("path", ""), _language(scope), self.retry_after)
            raw = [(k.encode(), v.encode()) for k, v in headers.items()]
            await send({"type": "http.response.start", "status": 503,
                        "headers": [*raw, (b"retry-after", str(self.retry_after).encode()),
                                    (b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store")]})
            await send({"type": "http.response.body", "body": body})
            return None
        self.in_flight += 1
        try:
            return await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
