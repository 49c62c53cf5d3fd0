"""The wire format of the MTurk requester API as botocore's service model `mturk` 2017-01-17
describes it: protocol `json` 1.1, `POST /` with `X-Amz-Target:
MTurkRequesterServiceV20170117.<Operation>`, JSON in and out, timestamps as epoch seconds.
Errors are `{"__type": "...#RequestError", "Message": ..., "TurkErrorCode": ...}` (HTTP 400,
or 403 when the signature or the key's scope is refused), or `ServiceFault` (HTTP 500) for a
fault of ours; the SDK raises `client.exceptions.RequestError` / `ServiceFault` from them."""

import json
from datetime import UTC, datetime
from decimal import Decimal

from django.http import HttpResponse

TARGET_PREFIX = "MTurkRequesterServiceV20170117."
CONTENT_TYPE = "application/x-amz-json-1.1"
ERROR_NAMESPACE = "com.amazonaws.mturk.requester"


class MturkError(Exception):
    """A refusal the SDK raises as RequestError (or ServiceFault when `fault`)."""

    def __init__(self, message, code="AWS.MechanicalTurk.InvalidParameterValue", *, status=400, fault=False):
        self.message, self.code, self.status, self.fault = str(message), code, status, fault
        super().__init__(self.message)


def json_response(data, status=200):
    body = json.dumps(data, separators=(",", ":"), default=_default)
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPE)
    return response


def error_response(error):
    name = "ServiceFault" if error.fault else "RequestError"
    return json_response({"__type": f"{ERROR_NAMESPACE}#{name}", "Message": error.message,
                          "TurkErrorCode": error.code}, status=500 if error.fault else error.status)


def _default(value):
    if isinstance(value, datetime):
        return timestamp(value)
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def timestamp(value):
    """A datetime as the JSON protocol's timestamp: epoch seconds."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return round(value.timestamp(), 3)


def from_timestamp(value, field):
    """An input timestamp (epoch seconds, as botocore sends it) as an aware datetime."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MturkError(f"{field} must be a timestamp.")
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise MturkError(f"{field} is out of range.")
