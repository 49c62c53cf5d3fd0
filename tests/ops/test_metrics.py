"""coop/ops/metrics.py: counters per event type, claims, ledger kinds, socket deliveries and job
failures, request latency under the URL name, and the registry exposed (this process's or
every process's files)."""

from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import resolve
from prometheus_client import generate_latest

from coop.ops import metrics


def _value(name, **labels):
    return metrics.registry().get_sample_value(name, labels) or 0


def test_event_recorded_counts_the_type_and_claims():
    before_event = _value("atelier_events_recorded_total", type="assignment.claimed")
    before_claims = _value("atelier_claims_total")
    before_other = _value("atelier_events_recorded_total", type="coop.created")
    metrics.event_recorded("assignment.claimed")
    metrics.event_recorded("coop.created")
    assert _value("atelier_events_recorded_total", type="assignment.claimed") == before_event + 1
    assert _value("atelier_claims_total") == before_claims + 1
    assert _value("atelier_events_recorded_total", type="coop.created") == before_other + 1


def test_ledger_socket_and_job_counters():
    before = (_value("atelier_ledger_transactions_total", kind="payout"),
              _value("atelier_channel_deliveries_total", kind="forum"),
              _value("atelier_job_failures_total", func="x" * 100))
    metrics.ledger_posted("payout")
    metrics.channel_delivered("forum")
    metrics.job_failed("x" * 300)  # the label is cut to 100 characters
    assert (_value("atelier_ledger_transactions_total", kind="payout"),
            _value("atelier_channel_deliveries_total", kind="forum"),
            _value("atelier_job_failures_total", func="x" * 100)) == tuple(v + 1 for v in before)


def test_latency_middleware_observes_under_the_url_name_or_unmatched():
    def view(request):
        request.resolver_match = resolve("/healthz")
        return HttpResponse("ok")

    name = resolve("/healthz").view_name
    before = _value("atelier_request_seconds_count", view=name, method="GET")
    before_other = _value("atelier_request_seconds_count", view="unmatched", method="other")
    metrics.LatencyMiddleware(view)(RequestFactory().get("/healthz"))
    metrics.LatencyMiddleware(lambda request: HttpResponse(status=404))(RequestFactory().generic("BREW", "/pot"))
    assert _value("atelier_request_seconds_count", view=name, method="GET") == before + 1
    assert _value("atelier_request_seconds_count", view="unmatched", method="other") == before_other + 1


def test_registry_in_multiprocess_mode_reads_the_shared_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    text = generate_latest(metrics.registry()).decode()
    assert "atelier_claims_total" not in text  # nothing written to the shared files by this process
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    assert "atelier_claims_total" in generate_latest(metrics.registry()).decode()
