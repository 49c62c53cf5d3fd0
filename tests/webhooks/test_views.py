"""The requester's webhook pages (tasks/webhooks/views.py): add one (its secret shown once), the
delivery log in French, edit, a new secret, removal, replay; bad input re-shows the form with a
400 and changes nothing; another organisation's webhook is not found."""

import pytest
from django.test import Client
from django.urls import reverse

from tasks.webhooks import services
from tasks.webhooks.models import Delivery, Subscription
from tests.factories import organisation
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.django_db


def _logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def _subscription(org, url="https://hooks.example/a"):
    return services.subscription_create(user=org.owner, organisation=org, url=url, events=["balance.low"])[0]


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


def test_edit_saves_and_bad_input_changes_nothing():
    org = organisation()
    subscription = _subscription(org)
    client = _logged_in(org.owner)
    saved = client.post(reverse("webhooks:edit", args=[subscription.pk]), {
        "url": "https://hooks.example/b", "events": ["balance.low", "project.completed"], "balance_low_below": "5",
        "description": "ops"})
    assert saved.status_code == 302
    subscription.refresh_from_db()
    assert (subscription.url, set(subscription.events), subscription.active) == (
        "https://hooks.example/b", {"balance.low", "project.completed"}, False)
    bad = client.post(reverse("webhooks:edit", args=[subscription.pk]), {
        "url": "https://hooks.example/c", "events": ["no.such.event"], "balance_low_below": "0", "active": "on"})
    assert bad.status_code == 400
    subscription.refresh_from_db()
    assert subscription.url == "https://hooks.example/b"


def test_a_new_secret_is_shown_once_and_removal_redirects_to_the_list():
    org = organisation()
    subscription, old_secret = services.subscription_create(user=org.owner, organisation=org,
                                                            url="https://hooks.example/a", events=["balance.low"])
    client = _logged_in(org.owner)
    rotated = client.post(reverse("webhooks:rotate", args=[subscription.pk]))
    html = rotated.content.decode()
    assert rotated.status_code == 200 and 'id="webhook-secret"' in html
    assert "whsec_" in html and old_secret not in html
    assert 'id="webhook-secret"' not in client.get(reverse("webhooks:detail", args=[subscription.pk])).content.decode()
    removed = client.post(reverse("webhooks:delete", args=[subscription.pk]))
    assert removed.status_code == 302 and removed["Location"] == reverse("webhooks:list") + f"?org={org.pk}"
    assert not Subscription.objects.exists()


def test_another_organisations_webhook_and_delivery_are_not_found():
    mine, theirs = organisation(), organisation()
    subscription = _subscription(theirs)
    delivery = Delivery.objects.create(subscription=subscription, message_id="msg_t", event_type="balance.low",
                                       source="event:1:balance.low", body="{}")
    client = _logged_in(mine.owner)
    assert client.get(reverse("webhooks:detail", args=[subscription.pk])).status_code == 404
    assert client.post(reverse("webhooks:delete", args=[subscription.pk])).status_code == 404
    assert client.post(reverse("webhooks:replay", args=[delivery.pk])).status_code == 404
    assert client.get(reverse("webhooks:list") + f"?org={theirs.pk}").status_code == 404
    assert client.get(reverse("webhooks:list") + "?org=abc").status_code == 404
    assert Subscription.objects.filter(pk=subscription.pk).exists()


def test_replay_sends_again_and_returns_to_the_log(settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    org = organisation()
    client = _logged_in(org.owner)
    with Receiver() as receiver:
        subscription = _subscription(org, url=receiver.url)
        delivery = Delivery.objects.create(subscription=subscription, message_id="msg_p", event_type="balance.low",
                                           source="event:1:balance.low", body="{}")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("webhooks:replay", args=[delivery.pk]))
        assert response.status_code == 302
        assert response["Location"].endswith(f"/requester/webhooks/{subscription.pk}/#delivery-{delivery.pk}")
        assert len(receiver.received) == 1 and receiver.received[0]["headers"]["webhook-id"] == "msg_p"


def test_the_list_page_lists_the_organisations_webhooks():
    org = organisation()
    for n in range(3):
        _subscription(org, url=f"https://hooks.example/{n}")
    client = _logged_in(org.owner)
    page = client.get(reverse("webhooks:list"))
    html = page.content.decode()
    assert page.status_code == 200 and all(f"https://hooks.example/{n}" in html for n in range(3))
