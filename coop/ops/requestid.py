"""A request id for every request: the proxy's `X-Request-ID` when it is a sane token, a new
one otherwise. It is sent back in the response's `X-Request-ID` and added to every log record
written while the request runs (`RequestIdFilter`), so one line in the proxy's log leads to
every line the request wrote."""

import contextvars
import logging
import re
import uuid

HEADER = "X-Request-ID"
_TOKEN = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
current = contextvars.ContextVar("request_id", default="-")


def request_id_for(value):
    """The proxy's id when it is 8-64 safe characters, else a fresh one."""
    return value if value and _TOKEN.match(value) else uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_for(request.headers.get(HEADER, ""))
        token = current.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            current.reset(token)
        response[HEADER] = request.request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (`-` outside a request)."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = current.get()
        return True
