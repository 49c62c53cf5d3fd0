"""coop/eventlog/checkpoints.py: the signing key (hex seed or PEM, refused otherwise), signing
the tree head incrementally, verifying a checkpoint and when one is due."""

import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured

from coop.eventlog import checkpoints, merkle
from coop.eventlog.checkpoints import (
    checkpoint_due,
    checkpoint_message,
    checkpoint_sign,
    checkpoint_sign_if_due,
    checkpoint_verify,
    key_id,
    public_key_bytes,
    signature_valid,
    signing_key,
)
from coop.eventlog.models import Checkpoint, Sequenced
from coop.eventlog.services import event_record
from tests.eventlog.helpers import sequence_all
from tests.factories import CoopFactory

# RFC 8032, test 1: the public key of TEST_SEED
RFC8032_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"


def _events(n, coop=None):
    coop = coop or CoopFactory()
    for i in range(n):
        event_record(type="test.happened", coop=coop, subject=("thing", i), payload={"n": i})
    sequence_all()


def test_signing_key_from_a_hex_seed_matches_the_published_vector():
    assert public_key_bytes(signing_key()).hex() == RFC8032_PUBLIC
    assert key_id(bytes.fromhex(RFC8032_PUBLIC)) == hashlib.sha256(bytes.fromhex(RFC8032_PUBLIC)).hexdigest()[:16]


def test_signing_key_from_pem(settings):
    key = Ed25519PrivateKey.generate()
    settings.EVENTLOG_SIGNING_KEY = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                      serialization.NoEncryption()).decode()
    assert public_key_bytes(signing_key()) == public_key_bytes(key)


@pytest.mark.parametrize("bad", ["abcd", "zz" * 32,
                                 "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----"])
def test_a_bad_signing_key_is_refused(settings, bad):
    settings.EVENTLOG_SIGNING_KEY = bad
    with pytest.raises((ImproperlyConfigured, ValueError)):
        signing_key()


def test_no_key_and_no_development_file_is_refused(settings):
    settings.EVENTLOG_SIGNING_KEY, settings.EVENTLOG_DEV_KEY_FILE = "", ""
    with pytest.raises(ImproperlyConfigured):
        signing_key()


def test_a_development_key_is_generated_once(settings, tmp_path):
    settings.EVENTLOG_SIGNING_KEY, settings.EVENTLOG_DEV_KEY_FILE = "", str(tmp_path / "var" / "key")
    first = public_key_bytes(signing_key())
    assert (tmp_path / "var" / "key").stat().st_mode & 0o777 == 0o600
    checkpoints._keys.clear()
    assert public_key_bytes(signing_key()) == first


def test_signature_valid_refuses_a_changed_message():
    key = signing_key()
    message = checkpoint_message(origin="o", size=1, root=b"\x00" * 32, chain=b"\x01" * 32, time=5)
    signature = key.sign(message)
    assert signature_valid(public_key=public_key_bytes(key), signature=signature, message=message)
    assert not signature_valid(public_key=public_key_bytes(key), signature=signature, message=message + b" ")
    assert not signature_valid(public_key=b"short", signature=signature, message=message)


@pytest.mark.django_db
def test_checkpoint_sign_signs_the_merkle_head_and_only_when_there_is_something_new():
    assert checkpoint_sign() is None  # an empty log
    _events(3)
    first = checkpoint_sign()
    leaves = [bytes(h) for h in Sequenced.objects.order_by("position").values_list("leaf_hash", flat=True)]
    assert first.size == 3 and bytes(first.root) == merkle.root(leaves)
    assert checkpoint_verify(first) is None
    assert checkpoint_sign() is None  # nothing new
    _events(2)
    second = checkpoint_sign()  # from the first's frontier: the same root as hashing everything again
    leaves = [bytes(h) for h in Sequenced.objects.order_by("position").values_list("leaf_hash", flat=True)]
    assert second.size == 5 and bytes(second.root) == merkle.root(leaves)
    assert Checkpoint.objects.count() == 2


@pytest.mark.django_db
def test_checkpoint_verify_names_a_forgery_and_an_untrusted_key():
    _events(1)
    checkpoint = checkpoint_sign()
    checkpoint.size = 2
    assert checkpoint_verify(checkpoint) == "bad signature"
    checkpoint.size = 1
    assert checkpoint_verify(checkpoint, trusted=set()) == "signed by a key the federation does not trust"


@pytest.mark.django_db
def test_checkpoint_due_by_count_or_by_age(settings):
    assert not checkpoint_due()  # nothing sequenced
    _events(2)
    assert checkpoint_due()  # never signed
    assert checkpoint_sign_if_due().size == 2
    assert not checkpoint_due()
    settings.EVENTLOG_CHECKPOINT_EVERY, settings.EVENTLOG_CHECKPOINT_MINUTES = 3, 10
    _events(2)
    assert not checkpoint_due()  # 2 new < 3, and the last one is fresh
    assert checkpoint_sign_if_due() is None
    _events(1)
    assert checkpoint_due()
    settings.EVENTLOG_CHECKPOINT_EVERY, settings.EVENTLOG_CHECKPOINT_MINUTES = 1000, 0
    assert checkpoint_due()  # stale: any age counts at 0 minutes
