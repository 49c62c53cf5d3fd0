"""Secrets a requester holds (API keys, invitation tokens): how they are made and hashed, and
the scopes a key may be given (`api_key_scopes_clean`).

The clear secret is returned once to the caller and never stored or logged; the database
keeps `secret_digest(secret)`, a keyed HMAC-SHA256 under `settings.API_KEY_SECRET` (a key
of its own: not SECRET_KEY's sessions, not PSEUDONYM_SECRET). The secrets carry 256 bits
of randomness, so a slow hash would add nothing against guessing and cost every API call;
the key means a stolen database alone cannot even test a guess. docs/requesters.md.

An API key's secret is also kept *sealed* (`secret_seal`: Fernet, AES-128-CBC with an
HMAC-SHA256, under `settings.API_KEY_SEALING_KEYS` or a key derived from API_KEY_SECRET):
the MTurk-compatible API (docs/mturk.md) checks AWS Signature Version 4, whose HMAC chain
starts from the secret itself, so a hash is not enough. A database dump holds only the
ciphertext; the sealing key lives in the environment, never in the database."""

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.translation import gettext as _

from accounts.models import ApiKey, MemberApiKey
from coop.core.entropy import token_bytes
from coop.core.errors import DomainError

KEY_SCHEME = "atl"
MEMBER_KEY_SCHEME = "atm"  # a member's key for the member API (MemberApiKey)
PREFIX_LENGTH = 8


def secret_digest(secret, *, purpose="api-key"):
    key = hashlib.sha256(f"atelier:{purpose}:{settings.API_KEY_SECRET}".encode()).digest()
    return hmac.new(key, str(secret).encode(), hashlib.sha256).hexdigest()


def _sealer():
    keys = [k.strip() for k in settings.API_KEY_SEALING_KEYS if k.strip()]
    if not keys:
        derived = hashlib.sha256(f"atelier:api-key-seal:{settings.API_KEY_SECRET}".encode()).digest()
        keys = [base64.urlsafe_b64encode(derived).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def secret_seal(secret):
    """The secret encrypted under the sealing key (what `ApiKey.secret_sealed` stores)."""
    return _sealer().encrypt(str(secret).encode()).decode()


def secret_unseal(sealed):
    """The secret `secret_seal` sealed, or "" if there is none or it does not open (a key
    made before sealing, or a sealing key that was rotated away)."""
    if not sealed:
        return ""
    try:
        return _sealer().decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError):
        return ""


def api_key_generate(*, randomness=None, scheme=KEY_SCHEME):
    """A new API key secret `atl_<prefix>_<secret>` (`atm_…` for a member's key) and its public
    prefix. `randomness` (bytes) makes it deterministic (the demo key only)."""
    raw = randomness if randomness is not None else token_bytes(32)
    # base32 (lower case): no "_" or "-", so the key splits cleanly and survives a double click
    body = base64.b32encode(raw).decode().rstrip("=").lower()
    prefix = body[:PREFIX_LENGTH]
    return f"{scheme}_{prefix}_{body[PREFIX_LENGTH:]}", prefix


def api_key_prefix(secret, *, scheme=KEY_SCHEME):
    """The prefix named in a presented secret, or "" if it is not shaped like one of ours."""
    parts = str(secret).split("_")
    if len(parts) != 3 or parts[0] != scheme or len(parts[1]) != PREFIX_LENGTH:
        return ""
    return parts[1]


def token_generate():
    """A new invitation token (URL-safe)."""
    return secrets.token_urlsafe(32)


def api_key_scopes_clean(scopes):
    """The scopes as a list of known values in canonical order (`ApiKey.Scope`), or a
    DomainError `invalid` naming the unknown ones; at least one scope."""
    known = [value for value, _label in ApiKey.Scope.choices]
    wanted = {str(scope).strip().lower() for scope in scopes or ()}
    unknown = sorted(wanted - set(known))
    if unknown:
        raise DomainError("invalid", _("Unknown scope: choose among read, projects, review and admin."),
                          {"field": "scopes", "unknown": unknown})
    if not wanted:
        raise DomainError("invalid", _("Choose at least one scope."), {"field": "scopes"})
    return [value for value in known if value in wanted]


def member_key_scopes_clean(scopes):
    """A member key's scopes as known values in canonical order (`MemberApiKey.Scope`), or a
    DomainError `invalid`; at least one."""
    known = [value for value, _label in MemberApiKey.Scope.choices]
    wanted = {str(scope).strip().lower() for scope in scopes or ()}
    unknown = sorted(wanted - set(known))
    if unknown:
        raise DomainError("invalid", _("Unknown scope: choose among read and work."),
                          {"field": "scopes", "unknown": unknown})
    if not wanted:
        raise DomainError("invalid", _("Choose at least one scope."), {"field": "scopes"})
    return [value for value in known if value in wanted]
