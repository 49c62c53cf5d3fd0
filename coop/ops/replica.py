"""Heavy read pages from a read replica (docs/deploy.md).

With `DATABASE_REPLICA_URL` set (PostgreSQL), the pages and API endpoints named in
`REPLICA_READ_VIEWS` (the public event feed, the audit page, scorecards, statements) read
from the `replica` alias; everything else, and every write, stays on the primary. The
choice is per request: `ReplicaReadsMiddleware` marks a request whose URL name is listed, and
`ReplicaRouter` sends that request's reads to the replica. A replica lags the primary by a
moment, so only pages that tolerate that (none of them is read right after its own write)
are listed."""

import contextvars

from django.conf import settings

REPLICA = "replica"
_reads_from_replica = contextvars.ContextVar("reads_from_replica", default=False)


def replica_enabled():
    return settings.REPLICA_READS and REPLICA in settings.DATABASES


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _reads_from_replica.get() and replica_enabled():
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaReadsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request._replica_token = None
        try:
            return self.get_response(request)
        finally:
            if request._replica_token is not None:
                _reads_from_replica.reset(request._replica_token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match and match.view_name in settings.REPLICA_READ_VIEWS and replica_enabled():
            request._replica_token = _reads_from_replica.set(True)
