"""The session engine (`SESSION_ENGINE = "accounts.sessions"`): Django's database sessions, the
same table and the same signed data, read with one hand-written statement.

Every signed-in request reads its session first; the ORM compiled that statement at every
request, which cost more than running it (issue 18: the busy hour's claims and submissions,
bench/member_requests.py). Writes, expiry and the async paths stay Django's.

A session written before `accounts.backends.UserBackend` took over from Django's ModelBackend
names that backend; it is read as naming ours (the same users, passwords and session hashes),
so nobody is signed out by the change."""

import functools

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils import timezone

from coop.core.db import fetch_one

LEGACY_BACKENDS = {"django.contrib.auth.backends.ModelBackend": "accounts.backends.UserBackend"}


@functools.cache
def _session_sql(table):
    return f'SELECT "session_data" FROM {table} WHERE "session_key" = %s AND "expire_date" > %s'


class SessionStore(DatabaseSessionStore):
    def load(self):
        data = None
        if self.session_key is not None:  # None: no key, or one Django's own checks refused
            from django.db import connection

            row = fetch_one(_session_sql(self.model._meta.db_table),
                            [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())])
            data = row[0] if row else None
        if data is None:
            self._session_key = None  # as Django's store: an unknown or expired key is forgotten
            return {}
        return self._upgraded(self.decode(data))

    async def aload(self):
        return self._upgraded(await super().aload())

    @staticmethod
    def _upgraded(session):
        backend = session.get(BACKEND_SESSION_KEY)
        if backend in LEGACY_BACKENDS:
            session[BACKEND_SESSION_KEY] = LEGACY_BACKENDS[backend]
        return session
