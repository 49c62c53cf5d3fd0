"""The endpoint `POST /mturk/` (tasks/mturk/api/endpoint.py), through Django's test client with
requests signed by botocore's signer: an operation answered in MTurk's JSON, and every refusal
in the SDK's error shape (RequestError with a TurkErrorCode, the status MTurk gives)."""

import json

import pytest
from django.test import Client

from accounts.requesters.services import api_key_create
from tasks.mturk.api import endpoint
from tests.mturk.conftest import signed

pytestmark = pytest.mark.django_db


def _post(world, operation, params, *, key=None, secret=None, raw=None, path="/mturk/"):
    body, headers = signed(operation, params, access_key=(key or world["key"]).prefix,
                           secret=secret or world["secret"], path=path, raw=raw)
    response = Client().post(path, data=body, content_type="application/x-amz-json-1.1", **headers)
    return response, json.loads(response.content)


def test_an_operation_is_answered_in_mturks_json(world):
    response, body = _post(world, "GetAccountBalance", {})
    assert response.status_code == 200 and response["Content-Type"] == "application/x-amz-json-1.1"
    assert body == {"AvailableBalance": "1000.00", "OnHoldBalance": "0.00"}


def test_an_unsigned_request_is_a_403_request_error(world):
    response = Client().post("/mturk/", data=b"{}", content_type="application/x-amz-json-1.1",
                             HTTP_X_AMZ_TARGET="MTurkRequesterServiceV20170117.GetAccountBalance")
    body = json.loads(response.content)
    assert response.status_code == 403
    assert body["__type"].endswith("#RequestError") and body["TurkErrorCode"] == "Atelier.MissingSignature"


@pytest.mark.parametrize(("operation", "code", "says"), [
    ("ListQualificationRequests", "Atelier.OperationNotSupported",
     endpoint.NOT_RUN_BECAUSE["ListQualificationRequests"]),
    ("ListHITsForQualificationType", "Atelier.OperationNotSupported", "List your HITs with ListHITs"),
    ("Frobnicate", "Atelier.UnknownOperation", "There is no operation Frobnicate"),
])
def test_operations_not_run_are_named(world, operation, code, says):
    response, body = _post(world, operation, {})
    assert response.status_code == 400 and body["TurkErrorCode"] == code
    assert operation in body["Message"] and says in body["Message"]


def test_a_body_that_is_not_a_json_object_is_refused(world):
    response, body = _post(world, "GetAccountBalance", {}, raw=b"[1, 2]")
    assert response.status_code == 400 and body["TurkErrorCode"] == "Atelier.MalformedBody"
    response, body = _post(world, "GetAccountBalance", {}, raw=b"{not json")
    assert response.status_code == 400 and body["TurkErrorCode"] == "Atelier.MalformedBody"


def test_a_key_without_the_scope_is_refused_with_the_scope_named(world):
    key, secret = api_key_create(user=world["org"].owner, organisation=world["org"], name="read only",
                                 scopes=["read"])
    response, body = _post(world, "CreateHIT", {"Title": "x"}, key=key, secret=secret)
    assert response.status_code == 403 and "'projects' scope" in body["Message"]


def test_a_get_is_refused_and_a_bad_parameter_is_a_request_error(world):
    response = Client().get("/mturk/")
    assert response.status_code in (403, 405) and "TurkErrorCode" in json.loads(response.content)
    response, body = _post(world, "GetHIT", {"HITId": "NOPE"})
    assert response.status_code == 400 and body["__type"].endswith("#RequestError")


def test_the_model_lists_every_operation_run(world):
    assert set(endpoint.OPERATIONS) <= endpoint.model_operations()
