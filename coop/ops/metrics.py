"""Prometheus metrics with the maintained client library (prometheus_client).

Counters and histograms are process-local; when several server processes run (uvicorn
workers, gunicorn), set `PROMETHEUS_MULTIPROC_DIR` to an empty directory shared by them (the
production start does) and `/metrics` aggregates every process's files. Gauges that describe
the database (sequencer lag) are read when scraped, by `DatabaseCollector`, so they are right
whichever process answers.

Only counting lives here (every app may import it); the `/metrics` view and its database
gauges are in `coop.ops.views`."""

import functools
import os
import time

from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess

REQUEST_LATENCY = Histogram(
    "atelier_request_seconds", "Time to answer a request, per view (URL name).", ["view", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
EVENTS = Counter("atelier_events_recorded_total", "Events recorded, per type (claims are "
                 "type=\"assignment.claimed\").", ["type"])
CLAIMS = Counter("atelier_claims_total", "Assignments claimed.")
LEDGER_TRANSACTIONS = Counter("atelier_ledger_transactions_total", "Ledger transactions posted, per kind.", ["kind"])
CHANNEL_DELIVERIES = Counter("atelier_channel_deliveries_total", "Messages delivered to websockets, per kind.",
                             ["kind"])
JOB_FAILURES = Counter("atelier_job_failures_total", "Background jobs that failed, per function.", ["func"])


@functools.cache
def _events_counter(type_):
    """The events counter of one type (labels() takes a lock and builds a key at each call)."""
    return EVENTS.labels(type=type_)


def event_recorded(type_):
    """Counted when written: a transaction that rolls back afterwards (rare: a service
    writes its event last) is still counted; on_commit hooks on the hottest path would cost
    more than that error is worth."""
    _events_counter(type_).inc()
    if type_ == "assignment.claimed":
        CLAIMS.inc()


def ledger_posted(kind):
    LEDGER_TRANSACTIONS.labels(kind=kind).inc()


def channel_delivered(kind):
    CHANNEL_DELIVERIES.labels(kind=kind).inc()


def job_failed(func):
    JOB_FAILURES.labels(func=str(func)[:100]).inc()


class LatencyMiddleware:
    """Observes each request's time under its URL name (`unmatched` for a 404 path)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match else "") or "unmatched"
        REQUEST_LATENCY.labels(view=view, method=request.method if request.method in {
            "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"} else "other").observe(
            time.perf_counter() - started)
        return response


def registry(*extra):
    """The registry to expose: every process's files in multiprocess mode, this process's
    metrics otherwise; plus the `extra` collectors (read at scrape time)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        reg = CollectorRegistry()
        multiprocess.MultiProcessCollector(reg)
    else:
        reg = CollectorRegistry()
        for collector in (REQUEST_LATENCY, EVENTS, CLAIMS, LEDGER_TRANSACTIONS, CHANNEL_DELIVERIES, JOB_FAILURES):
            reg.register(collector)
    for collector in extra:
        reg.register(collector)
    return reg
