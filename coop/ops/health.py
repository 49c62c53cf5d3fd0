"""`/healthz` (liveness: the process answers) and `/readyz` (readiness: the database answers,
Redis answers when configured, and the sequencer is keeping up).

A load balancer sends traffic only to ready processes and restarts a process that is not
live. Neither reveals anything but the checks' names and outcomes; both are public and cheap
(no page is rendered, no session is read)."""

import time

from django.conf import settings
from django.db import connection

from coop.eventlog.sequencer import _LAST_SQL

_PENDING_PG = ("SELECT count(*), min(occurred_at) FROM (SELECT e.occurred_at FROM eventlog_event e "
               "WHERE (e.txid, e.id) > (%s, %s) LIMIT 1000000) pending")
_PENDING_SQLITE = ("SELECT count(*), min(occurred_at) FROM (SELECT e.occurred_at FROM eventlog_event e "
                   "WHERE e.id > %s LIMIT 1000000) pending")


def sequencer_lag():
    """(events without a position, seconds since the oldest of them was recorded)."""
    with connection.cursor() as cursor:
        cursor.execute(_LAST_SQL)
        last = cursor.fetchone()
        _, _, last_txid, last_id = last if last else (0, b"", 0, 0)
        if connection.vendor == "postgresql":
            cursor.execute(_PENDING_PG, [last_txid or 0, last_id])
        else:
            cursor.execute(_PENDING_SQLITE, [last_id])
        pending, oldest = cursor.fetchone()
    if not pending:
        return 0, 0.0
    return pending, max(0.0, time.time() - oldest / 1_000_000)


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_redis():
    import redis  # in the function: only a run with REDIS_URL set needs the client

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


def _check_sequencer():
    pending, seconds = sequencer_lag()
    if seconds > settings.READY_MAX_SEQUENCER_LAG:
        raise RuntimeError(f"{pending} events wait for a position, the oldest for {seconds:.0f} s")


def readiness():
    """{check: "ok" | error text}, and whether all passed. The sequencer is checked only when
    the database answers."""
    checks = {"database": _check_database}
    if settings.REDIS_URL:
        checks["redis"] = _check_redis
    checks["sequencer"] = _check_sequencer
    results = {}
    for name, check in checks.items():
        if name == "sequencer" and results.get("database") != "ok":
            results[name] = "not checked"
            continue
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready", with its reason
            results[name] = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
    return results, all(v == "ok" for v in results.values())
