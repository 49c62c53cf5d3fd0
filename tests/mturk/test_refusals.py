"""Requests the API must refuse: each is a clean SDK error (RequestError with a readable
message), and nothing is created or charged."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from accounts.requesters.services import api_key_create, api_key_revoke
from ledger.selectors import requester_balance
from tasks.models import Project, Task
from tasks.mturk.models import Hit, HitType
from tests.mturk.conftest import HTML, sdk

HIT = dict(Title="Cats", Description="Is there a cat?", Keywords="estimate:2", Reward="0.50", MaxAssignments=1,
           LifetimeInSeconds=3600, AssignmentDurationInSeconds=600, Question=HTML)


def nothing_happened(world):
    assert not Project.objects.exists() and not Task.objects.exists()
    assert not Hit.objects.exists() and not HitType.objects.exists()
    assert requester_balance(organisation=world["org"]) == 100_000


def refused(client, match, call=None, **params):
    with pytest.raises(client.exceptions.RequestError, match=match) as info:
        (call or client.create_hit)(**(params or HIT))
    error = info.value.response
    assert error["Error"]["Code"] == "RequestError" and error["TurkErrorCode"]
    return error


def test_a_wrong_secret_is_a_bad_signature(live, world):
    client = sdk(live, world["key"].prefix, world["secret"][:-1] + ("a" if world["secret"][-1] != "a" else "b"))
    error = refused(client, "signature does not match")
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error["TurkErrorCode"] == "Atelier.SignatureDoesNotMatch"
    nothing_happened(world)


def test_an_unknown_access_key(live, world):
    refused(sdk(live, "abcdefgh", world["secret"]), "No Atelier API key has this access key id")
    nothing_happened(world)


def test_a_request_signed_too_long_ago(live, world, monkeypatch):
    import botocore.auth

    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: datetime.now(UTC) - timedelta(minutes=6))
    client = sdk(live, world["key"].prefix, world["secret"])
    error = refused(client, "more than 5 minutes")
    assert error["TurkErrorCode"] == "Atelier.RequestExpired"
    nothing_happened(world)


def test_a_body_changed_after_signing(live, world):
    client = sdk(live, world["key"].prefix, world["secret"])

    def tamper(request, **kwargs):
        request.body = request.body.replace(b'"0.50"', b'"0.05"')

    client.meta.events.register("before-send.mturk.CreateHIT", tamper)
    refused(client, "signature does not match")
    nothing_happened(world)


def test_a_declared_body_hash_that_is_not_the_body(live, world):
    client = sdk(live, world["key"].prefix, world["secret"])

    def claim_other_body(request, **kwargs):  # signed, but the body is not the one hashed
        request.headers["X-Amz-Content-SHA256"] = hashlib.sha256(b"{}").hexdigest()

    client.meta.events.register("before-sign.mturk.CreateHIT", claim_other_body)
    error = refused(client, "not the hash of the body")
    assert error["TurkErrorCode"] == "Atelier.BodyHashMismatch"
    nothing_happened(world)


def test_a_revoked_key(live, world):
    api_key_revoke(user=world["org"].owner, key=world["key"])
    refused(sdk(live, world["key"].prefix, world["secret"]), "revoked")
    nothing_happened(world)


def test_a_key_without_the_scope(live, world):
    key, secret = api_key_create(user=world["org"].owner, organisation=world["org"], name="reader",
                                 scopes=["read"])
    client = sdk(live, key.prefix, secret)
    assert client.get_account_balance()["AvailableBalance"] == "1000.00"  # read is enough for this
    error = refused(client, "projects")
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error["TurkErrorCode"] == "Atelier.api_key_scope_missing"
    nothing_happened(world)


def test_a_key_made_before_sealing_must_be_reissued(live, world):
    world["key"].secret_sealed = ""
    world["key"].save(update_fields=["secret_sealed"])
    refused(sdk(live, world["key"].prefix, world["secret"]), "create a new key")
    nothing_happened(world)


def test_a_reward_under_the_floor(mturk, world):
    # 0.10 for the whole 10-minute duration (no estimate keyword): 0.60 an hour, floor 12.00
    error = refused(mturk, r"\$0\.60 an hour, below the floor of \$12\.00", **{
        **HIT, "Keywords": "cats", "Reward": "0.10"})
    assert error["TurkErrorCode"] == "Atelier.BelowFloorRate"
    assert "at least $2.00" in error["Error"]["Message"]
    nothing_happened(world)


def test_an_operation_atelier_does_not_run(mturk, world):
    refused(mturk, "does not support the operation GetFileUploadURL", call=mturk.get_file_upload_url,
            AssignmentId="1X0", QuestionIdentifier="q")


def test_the_same_unique_request_token_creates_one_hit(mturk, world):
    first = mturk.create_hit(**HIT, UniqueRequestToken="batch-1-item-1")["HIT"]
    error = refused(mturk, first["HITId"], **{**HIT, "UniqueRequestToken": "batch-1-item-1"})
    assert error["TurkErrorCode"] == "AWS.MechanicalTurk.HitAlreadyExists"
    assert Hit.objects.count() == 1 and Task.objects.count() == 1


def test_get_is_refused_in_the_sdk_shape(live, world):
    import json
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(live.url + "/mturk/")
    assert info.value.code == 403
    body = json.loads(info.value.read())
    assert body["__type"].endswith("#RequestError") and body["TurkErrorCode"] == "Atelier.MissingSignature"
