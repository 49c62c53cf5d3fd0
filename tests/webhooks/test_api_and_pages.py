"""The webhook API (by key: scopes, the one error shape, another organisation's webhook is
404) and pages (the secret shown once, the delivery log, French)."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.requesters.services import api_key_create
from tasks.webhooks import services
from tasks.webhooks.models import Delivery, Subscription
from tests.factories import organisation

pytestmark = pytest.mark.django_db


def _key(org, scopes):
    _key_row, secret = api_key_create(user=org.owner, organisation=org, name="hooks", scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_api_create_list_update_rotate_delete():
    org = organisation()
    client = _key(org, ["read", "projects"])
    made = client.post("/api/requester/webhooks/", {"url": "https://hooks.example/a",
                                                    "events": ["assignment.submitted", "aggregation.ready"]},
                       format="json")
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["secret"].startswith("whsec_") and body["events"] == ["assignment.submitted", "aggregation.ready"]
    listed = client.get("/api/requester/webhooks/").json()
    assert [row["id"] for row in listed] == [body["id"]] and "secret" not in listed[0]
    patched = client.patch(f"/api/requester/webhooks/{body['id']}/", {"active": False}, format="json").json()
    assert patched["active"] is False
    rotated = client.post(f"/api/requester/webhooks/{body['id']}/rotate-secret/").json()
    assert rotated["secret"] != body["secret"]
    assert client.get(f"/api/requester/webhooks/{body['id']}/deliveries/").json() == []
    assert client.delete(f"/api/requester/webhooks/{body['id']}/").status_code == 204
    assert not Subscription.objects.exists()


def test_api_errors_have_the_one_shape_and_change_nothing():
    org = organisation()
    client = _key(org, ["read", "projects"])
    bad = client.post("/api/requester/webhooks/", {"url": "ftp://hooks.example/a", "events": ["balance.low"]},
                      format="json")
    assert bad.status_code == 400
    assert bad.json() == {"code": "invalid_webhook", "message": "Enter a full http(s) address.",
                          "extra": {"field": "url"}}
    unknown = client.post("/api/requester/webhooks/", {"url": "https://hooks.example/a", "events": ["nope"]},
                          format="json")
    assert unknown.status_code == 400 and set(unknown.json()) == {"code", "message", "extra"}
    assert "events" in unknown.json()["extra"]
    read_only = _key(org, ["read"])
    refused = read_only.post("/api/requester/webhooks/", {"url": "https://hooks.example/a",
                                                          "events": ["balance.low"]}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "api_key_scope_missing"
    assert not Subscription.objects.exists()


def test_another_organisations_webhook_is_not_found():
    mine, theirs = organisation(), organisation()
    subscription, _secret = services.subscription_create(user=theirs.owner, organisation=theirs,
                                                         url="https://hooks.example/t", events=["balance.low"])
    client = _key(mine, ["read", "projects"])
    for method, path in [("get", f"/api/requester/webhooks/{subscription.pk}/"),
                         ("delete", f"/api/requester/webhooks/{subscription.pk}/"),
                         ("get", f"/api/requester/webhooks/{subscription.pk}/deliveries/")]:
        response = getattr(client, method)(path)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    page = Client()
    page.force_login(mine.owner)
    assert page.get(reverse("webhooks:detail", args=[subscription.pk])).status_code == 404
    assert Subscription.objects.filter(pk=subscription.pk).exists()


def test_pages_add_a_webhook_show_the_secret_once_and_the_log_in_french():
    org = organisation()
    client = Client()
    client.force_login(org.owner)
    page = client.post(reverse("webhooks:create"), {"org": org.pk, "url": "https://hooks.example/p",
                                                    "events": ["assignment.approved"], "balance_low_below": "0",
                                                    "active": "on"})
    assert page.status_code == 200
    subscription = Subscription.objects.get()
    html = page.content.decode()
    assert 'id="webhook-secret"' in html and "whsec_" in html
    again = client.get(reverse("webhooks:detail", args=[subscription.pk])).content.decode()
    assert 'id="webhook-secret"' not in again and subscription.secret_hint in again
    Delivery.objects.create(subscription=subscription, message_id="msg_x", event_type="assignment.approved",
                            source="event:1:assignment.approved", body='{"type":"assignment.approved"}')
    client.cookies["django_language"] = "fr"
    french = client.get(reverse("webhooks:detail", args=[subscription.pk]), HTTP_ACCEPT_LANGUAGE="fr")
    text = french.content.decode()
    assert "Journal des envois" in text and "msg_x" in text and "Envoyer à nouveau" in text
    bad = client.post(reverse("webhooks:create"), {"org": org.pk, "url": "gopher://x", "events": ["balance.low"],
                                                   "balance_low_below": "0"})
    assert bad.status_code == 400 and Subscription.objects.count() == 1
