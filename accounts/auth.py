"""API-key authentication for requesters, and members' own keys for the member API.

`Authorization: Bearer atl_…` or `Authorization: Token atl_…`. On success `request.user` is
the key's creator and `request.auth` the `ApiKey` (`request.auth.organisation`). An unknown
or revoked key is a 401; a key of a suspended organisation a 403 `organisation_suspended`.

Failed key authentications are counted per client IP (`ApiKeyFailureThrottle`, rate
`THROTTLE_RATES["api_key_failure"]`): past the rate, every key from that IP is refused with
429 `throttled` before any lookup, good or bad, until the window passes."""

import functools

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts.keys import MEMBER_KEY_SCHEME, api_key_prefix, secret_digest
from accounts.models import ApiKey, MemberApiKey, User
from accounts.services import api_key_mark_used
from accounts.throttles import ApiKeyFailureThrottle
from coop.core.db import fetch_one, instance_from_row, select_columns

SCHEMES = ("bearer", "token")


class OrganisationSuspendedAuth(exceptions.PermissionDenied):
    """A DRF exception (not a DomainError) so DRF marks the request unauthenticated."""

    default_code = "organisation_suspended"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in SCHEMES:
            return None
        if _is_member_key(header):
            return None  # a member's key: MemberKeyAuthentication's
        failures = ApiKeyFailureThrottle()
        if failures.blocked(request):
            raise exceptions.Throttled(wait=failures.wait())
        try:
            key = self._key(header)
        except exceptions.AuthenticationFailed:
            failures.record(request)
            raise
        if key.organisation.is_suspended:
            raise OrganisationSuspendedAuth(
                "This organisation is suspended by the federation. Reason: %s" % key.organisation.suspended_reason)
        api_key_mark_used(key=key)
        return key.created_by, key

    @staticmethod
    def _key(header):
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid Authorization header: give one API key.")
        try:
            secret = header[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid API key.")
        if not api_key_prefix(secret):
            raise exceptions.AuthenticationFailed("Invalid API key.")
        key = (ApiKey.objects.select_related("organisation", "created_by")
               .filter(secret_hash=secret_digest(secret)).first())
        if key is None or key.revoked_at is not None or not key.created_by.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        return key

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


def _is_member_key(header):
    return len(header) == 2 and header[1].startswith(f"{MEMBER_KEY_SCHEME}_".encode())


class MemberKeyAuthentication(authentication.BaseAuthentication):
    """A member's own key for the member API (issue 18): `Authorization: Bearer atm_…`. On
    success `request.user` is the key's member and `request.auth` the `MemberApiKey`; which
    views it reaches is `HasKeyScope`'s decision (those that declare a `member_scope`). An
    unknown or revoked key, or one of a deactivated account, is a 401; failures count toward
    the same per-IP limit as requesters' keys."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in SCHEMES or not _is_member_key(header):
            return None
        failures = ApiKeyFailureThrottle()
        if failures.blocked(request):
            raise exceptions.Throttled(wait=failures.wait())
        try:
            secret = header[1].decode("ascii")
        except UnicodeError:
            secret = ""
        key = None
        if api_key_prefix(secret, scheme=MEMBER_KEY_SCHEME):
            key = _member_key(secret_digest(secret))
        if key is None or key.revoked_at is not None or not key.user.is_active:
            failures.record(request)
            raise exceptions.AuthenticationFailed("Invalid or revoked key.")
        api_key_mark_used(key=key)
        return key.user, key

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


@functools.cache
def _member_key_sql():
    return (f"SELECT {select_columns(MemberApiKey, 'k')}, {select_columns(User, 'u')} "
            f"FROM {MemberApiKey._meta.db_table} k JOIN {User._meta.db_table} u ON u.id = k.user_id "
            "WHERE k.secret_hash = %s")


def _member_key(digest):
    """The member key with this secret hash and its user, in one hand-written statement (the
    same instances as `select_related("user")`; the ORM compiled the user's every column at
    every request, most of the authentication's time: issue 21). None if there is none."""
    row = fetch_one(_member_key_sql(), [digest])
    if row is None:
        return None
    key, at = instance_from_row(MemberApiKey, row)
    key.user, _end = instance_from_row(User, row, at)
    return key


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.auth.ApiKeyAuthentication"
    name = "apiKey"
    priority = 1

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "atl_<prefix>_<secret>",
            "description": "An organisation's API key: `Authorization: Bearer atl_…` "
                           "(`Authorization: Token atl_…` is accepted too).",
        }


class MemberKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.auth.MemberKeyAuthentication"
    name = "memberKey"
    priority = 1

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "atm_<prefix>_<secret>",
            "description": "A member's own key for the member API (`/api/work/…`, the claim, the wallet), "
                           "made on the member's keys page: `Authorization: Bearer atm_…`.",
        }
