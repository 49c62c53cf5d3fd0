"""accounts/api.py: a member's data rights over the API, by session only: exports (queued,
polled, downloaded once ready; another's is a 404) and erasure (a wrong password changes
nothing; an API key is never a member)."""

import pytest
from rest_framework.test import APIClient

from accounts.models import DataExport, User
from accounts.requesters.services import api_key_create
from tests.factories import member, organisation
from tests.factories.federation import PASSWORD

pytestmark = pytest.mark.django_db

EXPORTS = "/api/me/data-exports/"


@pytest.fixture
def ana():
    client = APIClient()
    user = member().user
    client.force_login(user)
    return client, user


def test_request_poll_and_download_an_export(ana, django_capture_on_commit_callbacks):
    client, user = ana
    with django_capture_on_commit_callbacks(execute=True):
        queued = client.post(EXPORTS)
    assert queued.status_code == 202 and queued.json()["status"] == "pending" and queued.json()["download"] is None
    polled = client.get(f"{EXPORTS}{queued.json()['id']}/").json()
    assert polled["status"] == "ready" and polled["progress_pct"] == 100 and polled["download"].endswith("/download/")
    zipped = client.get(polled["download"])
    assert zipped.status_code == 200 and zipped["Content-Type"] == "application/zip" and zipped.content[:2] == b"PK"
    listed = client.get(EXPORTS).json()
    assert [e["id"] for e in listed] == [polled["id"]] and set(listed[0]) == set(polled)


def test_an_export_not_ready_is_a_409_and_anothers_a_404(ana):
    client, user = ana
    waiting = DataExport.objects.create(user=user)
    response = client.get(f"{EXPORTS}{waiting.pk}/download/")
    body = response.json()
    assert response.status_code == 409 and set(body) == {"code", "message", "extra"}
    assert (body["code"], body["extra"]) == ("export_not_ready", {"status": "pending"})
    other = DataExport.objects.create(user=member().user)
    assert client.get(f"{EXPORTS}{other.pk}/").status_code == 404
    assert client.get(f"{EXPORTS}{other.pk}/download/").status_code == 404


def test_erasure_needs_the_password_and_logs_out(ana):
    client, user = ana
    wrong = client.post("/api/me/erasure/", {"password": "nope"}, format="json")
    assert wrong.status_code == 403 and wrong.json()["code"] == "wrong_password"
    assert User.objects.get(pk=user.pk).is_active
    assert client.post("/api/me/erasure/", {}, format="json").status_code == 400
    done = client.post("/api/me/erasure/", {"password": PASSWORD}, format="json")
    assert done.status_code == 200 and done.json() == {"erased": True}
    assert not User.objects.get(pk=user.pk).is_active
    assert client.get(EXPORTS).status_code == 403  # logged out


def test_an_api_key_is_never_a_member():
    org = organisation()
    _key, secret = api_key_create(user=org.owner, organisation=org, name="script")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get(EXPORTS).status_code == 403
    assert not DataExport.objects.exists()
