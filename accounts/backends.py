"""The authentication backend (`AUTHENTICATION_BACKENDS`, after django-axes'): Django's
ModelBackend (passwords, permissions, `is_active`), whose `get_user` (every signed-in request)
reads the user and their member profile in one hand-written statement.

Django read the user with an ORM statement it compiled at every request, and the time-zone and
language middlewares then read `user.profile` with a second one (issue 18, bench/member_requests.py).
The user is refused exactly as Django's backend refuses them (unknown, or not active); the
session hash is still checked by `django.contrib.auth.get_user` against the user read here."""

import functools

from django.contrib.auth.backends import ModelBackend
from django.db import connection

from accounts.models import MemberProfile, User
from coop.core.db import fetch_one, instance_from_row, select_columns


@functools.cache
def _user_sql(vendor):
    return (f"SELECT {select_columns(User, 'u')}, {select_columns(MemberProfile, 'p')} "
            f"FROM {User._meta.db_table} u LEFT JOIN {MemberProfile._meta.db_table} p ON p.user_id = u.id "
            "WHERE u.id = %s")


def user_with_profile(user_id):
    """The user `user_id` with `user.profile` already loaded (or known to be missing: reading
    it raises `RelatedObjectDoesNotExist` as usual), or None if there is no such user."""
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    if not -(2**63) <= user_id < 2**63:
        return None
    row = fetch_one(_user_sql(connection.vendor), [user_id])
    if row is None:
        return None
    user, at = instance_from_row(User, row)
    profile, _end = instance_from_row(MemberProfile, row, at)
    if profile.pk is None:
        profile = None
    else:
        MemberProfile.user.field.set_cached_value(profile, user)
    User.profile.related.set_cached_value(user, profile)
    return user


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        user = user_with_profile(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
