"""Bad input never gives a 500 (docs/security.md "Bad input").

- `json_loads`: the one JSON reader for what people send (API bodies, JSON typed into forms,
  websocket frames). Nesting deeper than `MAX_JSON_DEPTH` and NUL characters (PostgreSQL text
  and jsonb cannot hold them) are a `ValueError` like any other malformed JSON, never a
  RecursionError or a DataError further down.
- `InputGuardMiddleware`: a NUL in the path or a query parameter is a 400 with a clear
  message before any view or query sees it. Forms keep their own check (Django's CharField
  refuses NUL with a field error and keeps what was typed), and a NUL that still reaches the
  database is a 400, not a 500 (`process_exception`).
- `error_response`: the answer for a refused request: `{code, message, extra}` JSON under
  /api/, a short page elsewhere.
"""

import json

from django.db import DataError
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from coop.core.errors import DomainError

MAX_JSON_DEPTH = 32
API_PREFIX = "/api/"


class JSONInputError(ValueError):
    pass


def check_json(value, *, max_depth=MAX_JSON_DEPTH):
    """Walk a decoded JSON value without recursion: refuse deep nesting and NUL characters."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise JSONInputError(_("JSON text cannot contain a null character."))
            continue
        if not isinstance(item, dict | list):
            continue
        if depth > max_depth:
            raise JSONInputError(_("JSON nested deeper than %(n)s levels is not accepted.") % {"n": max_depth})
        if isinstance(item, dict):
            stack.extend((k, depth + 1) for k in item.keys())
            stack.extend((v, depth + 1) for v in item.values())
        else:
            stack.extend((v, depth + 1) for v in item)
    return value


def json_loads(text, *, max_depth=MAX_JSON_DEPTH):
    """`json.loads` for untrusted input: every refusal is a ValueError."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise JSONInputError(_("JSON nested deeper than %(n)s levels is not accepted.") % {"n": max_depth})
    return check_json(value, max_depth=max_depth)


def is_api(request):
    return request.path.startswith(API_PREFIX)


def error_response(request, status, code, message, extra=None):
    if is_api(request):
        return JsonResponse({"code": code, "message": str(message), "extra": extra or {}}, status=status)
    return render(request, "error.html", {"status": status, "message": message}, status=status)


def _nul_field(querydict):
    for key, values in querydict.lists():
        if "\x00" in key or any(isinstance(v, str) and "\x00" in v for v in values):
            return key.replace("\x00", "")
    return None


class InputGuardMiddleware:
    """Refuses a NUL character in the path or the query string (400); shows a page view's
    DomainError, or a DataError, as a refusal with its status instead of a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = "path" if "\x00" in request.path else _nul_field(request.GET)
        if field is not None:
            return error_response(request, 400, "null_character",
                                  _("The address contains a null character, which is not allowed."),
                                  {"field": field})
        return self.get_response(request)

    def process_exception(self, request, exception):
        """A page view that lets a DomainError out (NotFound, Forbidden, a refused rule) shows
        its message with its status; a value the database cannot hold is a 400."""
        if isinstance(exception, DomainError):
            return error_response(request, exception.status, exception.code, exception.message, exception.extra)
        if isinstance(exception, DataError):
            return error_response(request, 400, "invalid", _("This input cannot be stored."))
        return None
