"""accounts/keys.py: key secrets and their prefixes, the keyed digest, sealing and unsealing
(with rotation), invitation tokens, and the scopes a key may be given."""

import hashlib
import hmac

import pytest
from cryptography.fernet import Fernet

from accounts.keys import (
    MEMBER_KEY_SCHEME,
    api_key_generate,
    api_key_prefix,
    api_key_scopes_clean,
    member_key_scopes_clean,
    secret_digest,
    secret_seal,
    secret_unseal,
    token_generate,
)
from coop.core.errors import DomainError


def test_generated_keys_split_into_scheme_prefix_and_secret():
    secret, prefix = api_key_generate()
    scheme, shown, rest = secret.split("_")
    assert (scheme, shown) == ("atl", prefix) and len(prefix) == 8 and len(rest) == 52 - 8
    assert api_key_prefix(secret) == prefix
    assert api_key_generate(randomness=b"\x00" * 32) == api_key_generate(randomness=b"\x00" * 32)
    member_secret, member_prefix = api_key_generate(scheme=MEMBER_KEY_SCHEME)
    assert api_key_prefix(member_secret, scheme=MEMBER_KEY_SCHEME) == member_prefix
    assert api_key_prefix(member_secret) == ""  # not an organisation's key


@pytest.mark.parametrize("presented", ["", "atl_short_x", "atl_abcdefgh", "xyz_abcdefgh_rest", "atl_abcdefgh_a_b"])
def test_api_key_prefix_refuses_other_shapes(presented):
    assert api_key_prefix(presented) == ""


def test_secret_digest_is_a_keyed_hmac_per_purpose(settings):
    settings.API_KEY_SECRET = "k"
    key = hashlib.sha256(b"atelier:api-key:k").digest()
    assert secret_digest("s") == hmac.new(key, b"s", hashlib.sha256).hexdigest()
    assert secret_digest("s", purpose="invitation") != secret_digest("s")
    settings.API_KEY_SECRET = "other"
    assert secret_digest("s") != hmac.new(key, b"s", hashlib.sha256).hexdigest()


def test_seal_and_unseal_with_rotation(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.API_KEY_SEALING_KEYS = [old]
    sealed = secret_seal("atl_abcdefgh_secret")
    assert "secret" not in sealed and secret_unseal(sealed) == "atl_abcdefgh_secret"
    settings.API_KEY_SEALING_KEYS = [new, old]  # rotation: the old key still opens
    assert secret_unseal(sealed) == "atl_abcdefgh_secret"
    settings.API_KEY_SEALING_KEYS = [new]  # rotated away
    assert secret_unseal(sealed) == ""
    assert secret_unseal("") == "" and secret_unseal("garbage") == ""


def test_token_generate_is_url_safe_and_fresh():
    first, second = token_generate(), token_generate()
    assert first != second and len(first) >= 43 and set(first) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_scopes_are_cleaned_into_canonical_order():
    assert api_key_scopes_clean([" Admin", "read", "read"]) == ["read", "admin"]
    assert member_key_scopes_clean(["WORK", "read"]) == ["read", "work"]


@pytest.mark.parametrize(("clean", "scopes", "extra"), [
    (api_key_scopes_clean, ["read", "root"], {"field": "scopes", "unknown": ["root"]}),
    (api_key_scopes_clean, [], {"field": "scopes"}),
    (member_key_scopes_clean, ["admin"], {"field": "scopes", "unknown": ["admin"]}),
    (member_key_scopes_clean, None, {"field": "scopes"}),
])
def test_unknown_or_no_scopes_are_refused(clean, scopes, extra):
    with pytest.raises(DomainError) as caught:
        clean(scopes)
    assert caught.value.code == "invalid" and caught.value.extra == extra
