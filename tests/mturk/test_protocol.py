"""tasks/mturk/protocol.py: MTurk's JSON 1.1 wire format (timestamps as epoch seconds, errors
as RequestError or ServiceFault)."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tasks.mturk.protocol import CONTENT_TYPE, MturkError, error_response, from_timestamp, json_response, timestamp


def test_a_response_is_compact_json_with_timestamps_and_amounts_as_numbers():
    when = datetime(2026, 12, 5, 0, 0, 1, 500000, tzinfo=UTC)
    response = json_response({"At": when, "Reward": Decimal("0.50")})
    assert response["Content-Type"] == CONTENT_TYPE
    assert json.loads(response.content) == {"At": 1796428801.5, "Reward": 0.5}
    with pytest.raises(TypeError):
        json_response({"x": object()})


def test_a_naive_datetime_is_read_as_utc_and_none_stays_none():
    assert timestamp(datetime(1970, 1, 2)) == 86400.0
    assert timestamp(None) is None


def test_an_input_timestamp_becomes_an_aware_datetime():
    assert from_timestamp(86400, "ExpireAt") == datetime(1970, 1, 2, tzinfo=UTC)
    for bad in ("86400", True, None, 1e20):
        with pytest.raises(MturkError, match="ExpireAt"):
            from_timestamp(bad, "ExpireAt")


def test_errors_take_the_sdks_shape():
    refusal = error_response(MturkError("No such HIT.", "AWS.MechanicalTurk.HITDoesNotExist"))
    assert refusal.status_code == 400
    assert json.loads(refusal.content) == {
        "__type": "com.amazonaws.mturk.requester#RequestError", "Message": "No such HIT.",
        "TurkErrorCode": "AWS.MechanicalTurk.HITDoesNotExist"}
    assert error_response(MturkError("Signature.", "Atelier.SignatureDoesNotMatch", status=403)).status_code == 403
    fault = error_response(MturkError("Something broke.", fault=True))
    assert fault.status_code == 500 and json.loads(fault.content)["__type"].endswith("#ServiceFault")
