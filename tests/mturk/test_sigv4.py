"""Checking an AWS Signature Version 4 (tasks/mturk/sigv4.py), on requests signed by botocore's
own signer: a good signature gives the key; every way a request can be wrong is refused with
its own code, before any work is done."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import ApiKey
from tasks.mturk import sigv4
from tests.mturk.conftest import signed

pytestmark = pytest.mark.django_db


def _request(body, headers, **overrides):
    return RequestFactory().post("/mturk/", data=body, content_type="application/x-amz-json-1.1",
                                 **{**headers, **overrides})


def _good(world, **kwargs):
    return signed("GetAccountBalance", {}, access_key=world["key"].prefix, secret=world["secret"], **kwargs)


def test_a_request_signed_by_the_sdk_gives_its_key(world):
    body, headers = _good(world)
    assert sigv4.verify(_request(body, headers)) == world["key"]


def _code(request, **kwargs):
    with pytest.raises(sigv4.SignatureError) as info:
        sigv4.verify(request, **kwargs)
    return info.value.code


def test_a_changed_body_or_target_does_not_match(world):
    body, headers = _good(world)
    assert _code(_request(body + b" ", headers)) == "Atelier.SignatureDoesNotMatch"
    changed = {**headers, "HTTP_X_AMZ_TARGET": "MTurkRequesterServiceV20170117.CreateHIT"}
    assert _code(_request(body, changed)) == "Atelier.SignatureDoesNotMatch"


def test_another_secret_does_not_match(world):
    body, headers = signed("GetAccountBalance", {}, access_key=world["key"].prefix, secret=world["secret"] + "x")
    assert _code(_request(body, headers)) == "Atelier.SignatureDoesNotMatch"


def test_an_old_or_future_request_is_refused(world):
    body, headers = _good(world)
    now = datetime.now(UTC)
    assert _code(_request(body, headers), now=now + timedelta(minutes=6)) == "Atelier.RequestExpired"
    assert _code(_request(body, headers), now=now - timedelta(minutes=6)) == "Atelier.RequestExpired"
    assert sigv4.verify(_request(body, headers), now=now + timedelta(minutes=4)) == world["key"]


def test_missing_or_malformed_parts_each_have_their_code(world):
    body, headers = _good(world)
    assert _code(_request(body, {})) == "Atelier.MissingSignature"
    no_date = {k: v for k, v in headers.items() if k != "HTTP_X_AMZ_DATE"}
    assert _code(_request(body, no_date)) == "Atelier.MissingDate"
    other_service = headers["HTTP_AUTHORIZATION"].replace("/mturk-requester/", "/s3/")
    assert _code(_request(body, headers, HTTP_AUTHORIZATION=other_service)) == "Atelier.InvalidCredentialScope"
    unsigned_target = headers["HTTP_AUTHORIZATION"].replace(";x-amz-target", "")
    assert _code(_request(body, headers, HTTP_AUTHORIZATION=unsigned_target)) == "Atelier.InvalidSignedHeaders"
    lying_hash = {**headers, "HTTP_X_AMZ_CONTENT_SHA256": "0" * 64}
    assert _code(_request(body, lying_hash)) == "Atelier.BodyHashMismatch"


def test_an_unknown_or_revoked_key_is_refused(world):
    body, headers = signed("GetAccountBalance", {}, access_key="abcdefgh", secret=world["secret"])
    assert _code(_request(body, headers)) == "Atelier.UnknownAccessKey"
    ApiKey.objects.filter(pk=world["key"].pk).update(revoked_at=timezone.now())
    body, headers = _good(world)
    assert _code(_request(body, headers)) == "Atelier.KeyRevoked"
