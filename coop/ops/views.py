"""The operations endpoints: `/healthz`, `/readyz` (coop.ops.health) and `/metrics`.

`/metrics` is not public: it answers a request that carries `Authorization: Bearer
<METRICS_TOKEN>`, or that comes from an address in `METRICS_ALLOWED_IPS` (the scraper's
internal address); everyone else gets 404, as for a page that does not exist."""

import hmac

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import GaugeMetricFamily

from coop.ops.health import readiness, sequencer_lag
from coop.ops.metrics import registry


class DatabaseCollector:
    """Gauges read from the database at scrape time, right whichever process answers."""

    def collect(self):
        try:
            pending, seconds = sequencer_lag()
        except Exception:  # noqa: BLE001 - a scrape must not fail because the database is down
            return
        yield GaugeMetricFamily("atelier_sequencer_pending_events", "Events not yet given a position.", value=pending)
        yield GaugeMetricFamily("atelier_sequencer_lag_seconds", "Age of the oldest event without a position.",
                                value=seconds)


@require_safe
def healthz(request):
    return JsonResponse({"status": "ok"})


@require_safe
def readyz(request):
    results, ok = readiness()
    return JsonResponse({"status": "ok" if ok else "unavailable", "checks": results}, status=200 if ok else 503)


def metrics_allowed(request):
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip(), token):
        return True
    return request.META.get("REMOTE_ADDR", "") in settings.METRICS_ALLOWED_IPS


@require_safe
def metrics(request):
    if not metrics_allowed(request):
        raise Http404
    return HttpResponse(generate_latest(registry(DatabaseCollector())), content_type=CONTENT_TYPE_LATEST)
