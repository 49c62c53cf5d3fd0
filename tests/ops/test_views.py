"""coop/ops/views.py: /metrics answers a bearer token or an allowed address only (404 for
everyone else), includes the sequencer gauges read from the database, and a scrape survives
a database that is down."""

import pytest
from django.test import RequestFactory

from coop.ops import views

rf = RequestFactory()


def test_metrics_allowed_by_token_or_address(settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "s3cret", ["10.0.0.5"]
    assert views.metrics_allowed(rf.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret"))
    assert not views.metrics_allowed(rf.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong"))
    assert not views.metrics_allowed(rf.get("/metrics", HTTP_AUTHORIZATION="s3cret"))
    assert views.metrics_allowed(rf.get("/metrics", REMOTE_ADDR="10.0.0.5"))
    settings.METRICS_TOKEN = ""
    assert not views.metrics_allowed(rf.get("/metrics", HTTP_AUTHORIZATION="Bearer "))


@pytest.mark.django_db
def test_metrics_carries_the_sequencer_gauges(client, settings):
    settings.METRICS_TOKEN = "s3cret"
    assert client.get("/metrics").status_code == 404
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret")
    text = response.content.decode()
    assert response.status_code == 200
    assert "atelier_sequencer_pending_events 0.0" in text and "atelier_sequencer_lag_seconds" in text


def test_database_collector_yields_nothing_when_the_database_is_down(monkeypatch):
    def down():
        raise ConnectionError("database down")

    monkeypatch.setattr(views, "sequencer_lag", down)
    assert list(views.DatabaseCollector().collect()) == []
    monkeypatch.setattr(views, "sequencer_lag", lambda: (3, 1.5))
    assert [(m.name, m.samples[0].value) for m in views.DatabaseCollector().collect()] == [
        ("atelier_sequencer_pending_events", 3), ("atelier_sequencer_lag_seconds", 1.5)]
