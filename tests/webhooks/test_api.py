"""The webhook API (tasks/webhooks/api.py), by key: scopes, the one error shape, another
organisation's webhook is 404, a delivery replayed; the pages are in test_views.py."""

import pytest
from rest_framework.test import APIClient

from accounts.requesters.services import api_key_create
from tasks.webhooks import services
from tasks.webhooks.models import Delivery, Subscription
from tests.factories import organisation
from tests.webhooks.receiver import Receiver

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
    assert Subscription.objects.filter(pk=subscription.pk).exists()


def test_api_replays_a_delivery_of_its_own_organisation_only(settings, django_assert_max_num_queries,
                                                             django_capture_on_commit_callbacks):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    org, other = organisation(), organisation()
    client = _key(org, ["read", "projects"])
    with Receiver() as receiver:
        subscription, _secret = services.subscription_create(user=org.owner, organisation=org, url=receiver.url,
                                                             events=["balance.low"])
        delivery = Delivery.objects.create(subscription=subscription, message_id="msg_r", event_type="balance.low",
                                           source="event:1:balance.low", body='{"type":"balance.low"}')
        with django_capture_on_commit_callbacks(execute=True):
            replayed = client.post(f"/api/requester/webhook-deliveries/{delivery.pk}/replay/")
        assert replayed.status_code == 202, replayed.content
        assert replayed.json()["message_id"] == "msg_r" and len(receiver.received) == 1
        refused = _key(other, ["read", "projects"]).post(f"/api/requester/webhook-deliveries/{delivery.pk}/replay/")
        assert refused.status_code == 404 and set(refused.json()) == {"code", "message", "extra"}
        assert len(receiver.received) == 1
    for n in range(3):
        Delivery.objects.create(subscription=subscription, message_id=f"msg_{n}", event_type="balance.low",
                                source=f"event:{n + 2}:balance.low", body="{}")
    with django_assert_max_num_queries(8):  # the log and its attempts, whatever the number of rows
        listed = client.get(f"/api/requester/webhooks/{subscription.pk}/deliveries/")
    assert [row["message_id"] for row in listed.json()] == ["msg_2", "msg_1", "msg_0", "msg_r"]
    assert listed.json()[-1]["attempts"] == 1
