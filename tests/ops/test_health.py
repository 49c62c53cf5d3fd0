"""/healthz, /readyz and /metrics (issue 22: Health)."""

import json
import logging
import time

import pytest
from django.conf import settings
from django.test import override_settings

from coop.eventlog.sequencer import sequence_pending
from coop.eventlog.services import event_record
from coop.ops.requestid import HEADER, RequestIdFilter, RequestIdMiddleware, request_id_for
from tasks.services.claiming import assignment_claim
from tests.factories.federation import member
from tests.factories.tasks import published_project

pytestmark = pytest.mark.django_db


def test_healthz_is_liveness_only(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert client.post("/healthz").status_code == 405


def test_readyz_checks_the_database_and_the_sequencer(client):
    sequence_pending(include_own=True)
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    expected = {"database": "ok", "sequencer": "ok", **({"redis": "ok"} if settings.REDIS_URL else {})}
    assert response.json() == {"status": "ok", "checks": expected}


@override_settings(READY_MAX_SEQUENCER_LAG=30)
def test_readyz_fails_when_the_sequencer_falls_behind(client):
    sequence_pending(include_own=True)
    two_minutes_ago = (time.time_ns() // 1000) - 120_000_000
    event_record(type="test.lag", subject=("test", 1), occurred_at=two_minutes_ago)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert "1 events wait for a position" in body["checks"]["sequencer"]
    sequence_pending(include_own=True)
    assert client.get("/readyz").status_code == 200


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_readyz_fails_when_redis_is_configured_and_down(client):
    sequence_pending(include_own=True)
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == "ok" and checks["redis"] != "ok"


def test_metrics_is_not_public(client):
    assert client.get("/metrics").status_code == 404
    with override_settings(METRICS_TOKEN="s3cret-token"):
        assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
        assert client.get("/metrics").status_code == 404


def _sample(text, name, **labels):
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    prefix = f"{name}{{{want}}} " if labels else f"{name} "
    for line in text.splitlines():
        if line.startswith(prefix):
            return float(line.split()[-1])
    return 0.0


@override_settings(METRICS_TOKEN="s3cret-token")
def test_metrics_count_requests_claims_and_ledger_transactions(client, django_capture_on_commit_callbacks):
    def scrape():
        response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain")
        return response.content.decode()

    before = scrape()
    with django_capture_on_commit_callbacks(execute=True):
        project = published_project(tasks=2)
    worker = member(project.coop)
    with django_capture_on_commit_callbacks(execute=True):
        assignment_claim(member=worker.user, project=project)
    client.get("/healthz")
    after = scrape()
    assert _sample(after, "atelier_claims_total") == _sample(before, "atelier_claims_total") + 1
    assert _sample(after, "atelier_events_recorded_total", type="assignment.claimed") == \
        _sample(before, "atelier_events_recorded_total", type="assignment.claimed") + 1
    assert _sample(after, "atelier_ledger_transactions_total", kind="escrow_hold") == \
        _sample(before, "atelier_ledger_transactions_total", kind="escrow_hold") + 1
    assert _sample(after, "atelier_request_seconds_count", view="healthz", method="GET") >= 1
    assert "atelier_sequencer_lag_seconds" in after


@override_settings(METRICS_ALLOWED_IPS=["10.0.0.7"])
def test_metrics_answers_the_scrapers_address(client):
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.8").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.7").status_code == 200


def test_a_request_id_is_kept_from_the_proxy_or_made(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="abc123-proxy-id")
    assert response[HEADER] == "abc123-proxy-id"
    made = client.get("/healthz", HTTP_X_REQUEST_ID="<script>")[HEADER]
    assert made != "<script>" and len(made) == 32
    assert request_id_for("") != request_id_for("")


def test_log_lines_carry_the_request_id_as_json():
    from pythonjsonlogger.json import JsonFormatter

    lines = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    handler = Collect()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter("%(levelname)s %(name)s %(message)s %(request_id)s"))
    logger = logging.getLogger("atelier.test.requestid")
    logger.addHandler(handler)
    try:
        from django.http import HttpResponse
        from django.test import RequestFactory

        def view(request):
            logger.warning("inside")
            return HttpResponse("ok")

        request = RequestFactory().get("/x", HTTP_X_REQUEST_ID="req-0000-1111")
        RequestIdMiddleware(view)(request)
        logger.warning("outside")
    finally:
        logger.removeHandler(handler)
    inside, outside = (json.loads(line) for line in lines)
    assert inside["message"] == "inside" and inside["request_id"] == "req-0000-1111"
    assert outside["request_id"] == "-"
