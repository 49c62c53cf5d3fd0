"""Pseudonymous worker ids: stable per requester, distinct across requesters and members,
not derivable without the server secret, resolvable only by the requester they belong to."""

import base64
import hashlib
import hmac
import re

import pytest

from accounts.pseudonyms import worker_from_pseudonym, worker_pseudonym
from coop.core.errors import NotFound
from tests.factories import UserFactory, organisation

pytestmark = pytest.mark.django_db

SHAPE = re.compile(r"^W[A-Z2-7]{20}$")  # short, URL-safe


def test_pseudonym_is_stable_and_url_safe():
    user, org = UserFactory(), organisation()
    first = worker_pseudonym(user=user, organisation=org)
    assert SHAPE.match(first)
    assert worker_pseudonym(user=user, organisation=org) == first
    assert worker_pseudonym(user=user.pk, organisation=org.pk) == first  # same from ids


def test_pseudonym_matches_an_independent_hmac(settings):
    settings.PSEUDONYM_SECRET = "test-secret"
    user, org = UserFactory(), organisation()
    digest = hmac.new(b"test-secret", f"worker:{user.pk}:{org.pk}".encode(), hashlib.sha256).digest()
    assert worker_pseudonym(user=user, organisation=org) == "W" + base64.b32encode(digest[:12]).decode().rstrip("=")


def test_pseudonyms_distinct_across_requesters_and_members():
    users = [UserFactory() for _ in range(12)]
    orgs = [organisation() for _ in range(4)]
    ids = {worker_pseudonym(user=u, organisation=o) for u in users for o in orgs}
    assert len(ids) == 48


def test_pseudonym_needs_the_secret(settings):
    user, org = UserFactory(), organisation()
    real = worker_pseudonym(user=user, organisation=org)
    settings.PSEUDONYM_SECRET = "a guess at the secret"
    assert worker_pseudonym(user=user, organisation=org) != real
    # an unkeyed hash of the same message (what an attacker can compute) does not give it
    unkeyed = hashlib.sha256(f"worker:{user.pk}:{org.pk}".encode()).digest()
    assert "W" + base64.b32encode(unkeyed[:12]).decode().rstrip("=") != real


def test_resolution_only_for_the_owning_requester():
    user, org, other = UserFactory(), organisation(), organisation()
    candidates = [UserFactory(), user, UserFactory()]
    mine = worker_pseudonym(user=user, organisation=org)
    assert worker_from_pseudonym(organisation=org, pseudonym=mine, candidates=candidates) == user
    with pytest.raises(NotFound) as exc:
        worker_from_pseudonym(organisation=other, pseudonym=mine, candidates=candidates)
    assert exc.value.status == 404 and exc.value.code == "unknown_worker"
    with pytest.raises(NotFound):
        worker_from_pseudonym(organisation=org, pseudonym="Wnotapseudonym", candidates=candidates)
