"""DRF conventions shared by every app: one error shape and cursor pagination."""

from math import ceil

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, DataError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, pagination, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from coop.core.db import Busy, retryable
from coop.core.errors import DomainError


class ErrorSerializer(serializers.Serializer):
    """Every error of the API (coop.core.api.exception_handler, coop.core.guard)."""

    code = serializers.CharField(help_text="stable machine-readable code, e.g. `not_found`, `invalid`, "
                                           "`permission_denied`, `conflict`, `too_large`, `throttled`")
    message = serializers.CharField(help_text="for people, in the request's language")
    extra = serializers.DictField(help_text="details: for `invalid`, the messages of each field by name "
                                            "(`non_field_errors` for the whole input); often empty")


# What every API module declares in its schema (`@extend_schema(responses=..., parameters=...)`):
ERROR = ErrorSerializer  # the one error shape, {code, message, extra}
ERRORS = {400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR}  # the errors of a write
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="Retry-safe key: the same key and body return the first response; another body, 409.")


def validated(serializer_class, data):
    """`data` checked by `serializer_class` (its validated data), or a 400 `invalid` error."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _flatten(detail):
    if isinstance(detail, dict):
        return {k: _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_flatten(v) for v in detail]
    return str(detail)


def _extra(detail):
    """`extra` is always an object: a bare list of messages goes under `non_field_errors`."""
    detail = _flatten(detail)
    return detail if isinstance(detail, dict) else {"non_field_errors": detail}


def exception_handler(exc, context):
    """Turn every error into `{"code", "message", "extra"}`."""
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, DatabaseError) and retryable(exc):
        # a deadlock or serialisation failure that reached the view without being run again
        # (raised inside a transaction the view itself opened): rolled back whole, so 503 busy
        busy = Busy()
        return Response(busy.as_dict(), status=busy.status)
    if isinstance(exc, DjangoValidationError):
        extra = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(
            {"code": "invalid", "message": "; ".join(exc.messages), "extra": extra},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, RequestDataTooBig):
        return Response({"code": "too_large", "message": _("The request is too large."), "extra": {}}, status=413)
    if isinstance(exc, SuspiciousOperation):
        return Response({"code": "bad_request", "message": _("The request is not valid."), "extra": {}}, status=400)
    if isinstance(exc, DataError):  # a value the database cannot hold slipped past validation: still input
        return Response({"code": "invalid", "message": _("This input cannot be stored."), "extra": {}}, status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        body = {"code": "invalid", "message": "Invalid input.", "extra": _extra(exc.detail)}
    elif isinstance(exc, exceptions.Throttled):  # DRF has set Retry-After already
        wait = ceil(exc.wait or 0)
        body = {"code": "throttled", "message": _("Too many requests: try again in %(seconds)s seconds.")
                % {"seconds": wait}, "extra": {"retry_after": wait}}
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"
        body = {"code": code, "message": str(detail) if not isinstance(detail, dict | list) else code,
                "extra": {} if isinstance(detail, str) else _extra(detail)}
    response.data = body
    return response


class CursorPagination(pagination.CursorPagination):
    ordering = "-pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
