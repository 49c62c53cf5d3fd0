"""accounts/auth.py: an organisation's key and a member's key each authenticate their own
requests; unknown, revoked and malformed keys are refused (and counted per IP until the IP is
throttled); a suspended organisation's key is a 403."""

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework import exceptions
from rest_framework.test import APIRequestFactory

from accounts.auth import ApiKeyAuthentication, MemberKeyAuthentication, OrganisationSuspendedAuth
from accounts.requesters.services import api_key_create, api_key_revoke, organisation_suspend
from accounts.services import member_key_create
from tests.factories import UserFactory, operator, organisation

pytestmark = pytest.mark.django_db

factory = APIRequestFactory()


def _request(authorization, ip="10.3.3.3"):
    request = factory.get("/api/x/", HTTP_AUTHORIZATION=authorization, REMOTE_ADDR=ip)
    request.user = AnonymousUser()
    return request


@pytest.fixture
def org_key():
    org = organisation()
    key, secret = api_key_create(user=org.owner, organisation=org, name="script")
    return org, key, secret


def test_an_organisation_key_authenticates_as_its_creator(org_key):
    org, key, secret = org_key
    for scheme in ("Bearer", "Token"):
        user, auth = ApiKeyAuthentication().authenticate(_request(f"{scheme} {secret}"))
        assert user == org.owner and auth == key
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_other_headers_are_not_the_key_authentications(org_key):
    member_key, member_secret = member_key_create(user=UserFactory(), name="phone", scopes=["read"])
    assert ApiKeyAuthentication().authenticate(_request("Basic abc")) is None
    assert ApiKeyAuthentication().authenticate(_request(f"Bearer {member_secret}")) is None  # a member's key
    assert MemberKeyAuthentication().authenticate(_request(f"Bearer {org_key[2]}")) is None
    user, auth = MemberKeyAuthentication().authenticate(_request(f"Bearer {member_secret}"))
    assert (user, auth) == (member_key.user, member_key)


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer not-a-key", "Bearer atl_abcdefgh_unknown"])
def test_malformed_or_unknown_keys_are_refused(header):
    with pytest.raises(exceptions.AuthenticationFailed):
        ApiKeyAuthentication().authenticate(_request(header))


def test_a_revoked_key_is_refused(org_key):
    org, key, secret = org_key
    api_key_revoke(user=org.owner, key=key)
    with pytest.raises(exceptions.AuthenticationFailed, match="revoked"):
        ApiKeyAuthentication().authenticate(_request(f"Bearer {secret}"))


def test_a_suspended_organisations_key_is_a_403(org_key):
    org, _key, secret = org_key
    organisation_suspend(operator=operator(), organisation=org, reason="Unpaid workers.")
    with pytest.raises(OrganisationSuspendedAuth, match="Unpaid workers."):
        ApiKeyAuthentication().authenticate(_request(f"Bearer {secret}"))


def test_failures_are_counted_until_the_ip_is_throttled(org_key, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "api_key_failure": "2/min"}
    for _ in range(2):
        with pytest.raises(exceptions.AuthenticationFailed):
            MemberKeyAuthentication().authenticate(_request("Bearer atm_abcdefgh_wrong"))
    with pytest.raises(exceptions.Throttled):
        ApiKeyAuthentication().authenticate(_request(f"Bearer {org_key[2]}"))  # even a good key, from that IP
    assert ApiKeyAuthentication().authenticate(_request(f"Bearer {org_key[2]}", ip="10.4.4.4"))[1] == org_key[1]


def test_authenticate_header_names_the_scheme():
    assert ApiKeyAuthentication().authenticate_header(None) == 'Bearer realm="api"'
    assert MemberKeyAuthentication().authenticate_header(None) == 'Bearer realm="api"'
