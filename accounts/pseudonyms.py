"""Pseudonymous worker ids: what a requester sees instead of a member.

A worker id is a keyed HMAC-SHA256 of (user id, organisation id) under PSEUDONYM_SECRET,
truncated to 96 bits and base32-encoded: stable for one requester, different across
requesters, not reversible without the secret. Resolving one back to a person is only
possible for the requester it belongs to (anything else is a 404)."""

import base64
import hashlib
import hmac

from django.conf import settings
from django.utils.translation import gettext as _

from coop.core.errors import NotFound

PREFIX = "W"


def worker_pseudonym(*, user, organisation):
    user_id = getattr(user, "pk", user)
    org_id = getattr(organisation, "pk", organisation)
    digest = hmac.new(settings.PSEUDONYM_SECRET.encode(), f"worker:{user_id}:{org_id}".encode(),
                      hashlib.sha256).digest()
    return PREFIX + base64.b32encode(digest[:12]).decode().rstrip("=")


def worker_from_pseudonym(*, organisation, pseudonym, candidates):
    """Find the user behind `pseudonym` for `organisation`, among `candidates` (a queryset or
    iterable of users who worked for it). Another requester's pseudonym is not found."""
    for user in candidates:
        if hmac.compare_digest(worker_pseudonym(user=user, organisation=organisation), str(pseudonym)):
            return user
    raise NotFound("unknown_worker", _("No worker with this id works for you."))
