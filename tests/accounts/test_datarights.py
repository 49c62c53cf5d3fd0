"""Members' data rights (issue 15): "Download my data" as a job with a status page and the API,
and leaving the federation with erasure (money first, then a tombstone; the ledger and the event
log stay whole and verifiable)."""

import io
import json
import zipfile

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import DataExport, MemberProfile, User
from accounts.requesters.services import api_key_create
from coop.eventlog.models import Event
from coop.eventlog.verify import verify_log
from coop.federation.models import Membership
from coop.forums.models import Message
from coop.governance import services as governance
from coop.governance.models import Ballot
from ledger.models import Posting
from ledger.selectors import coop_fund_balances, wallet_balance
from tasks.models import Assignment
from tasks.services import assignment_approve, assignment_claim, assignment_submit
from tests.eventlog.helpers import sequence_all
from tests.factories import (
    CoopFactory,
    deadline_pass,
    organisation,
    post,
    proposal_voting,
    published_project,
    steward,
    voter,
)
from tests.factories.federation import PASSWORD

pytestmark = pytest.mark.django_db

EXPORTS = "/api/me/data-exports/"
SECTIONS = ("profile", "memberships", "assignments", "wallet_statement", "payouts", "appeals", "jury_seats",
            "votes", "proposals", "forum_posts", "notices", "flags_and_reviews")


@pytest.fixture
def fara():
    """A member who worked (approved and paid), posted in the coop's room, and voted twice: on
    an open proposal and on a secret one that closed."""
    coop = CoopFactory()
    boss = steward(coop)
    membership = voter(coop)
    voter(coop)
    project = published_project(coop, tasks=2, reward=1000)
    assignment = assignment_claim(member=membership.user, project=project)
    assignment_submit(member=membership.user, assignment=assignment, answers={"label": "yes", "note": "a cat"})
    assignment_approve(actor=project.organisation.owner, assignment=Assignment.objects.get(pk=assignment.pk))
    post(membership, body="Hello from Fara")
    open_vote = proposal_voting(author=boss.user, title="Open question")
    governance.ballot_cast(user=membership.user, proposal=open_vote, choice="yes")
    secret_vote = proposal_voting(author=boss.user, title="Secret question", secret=True)
    governance.ballot_cast(user=membership.user, proposal=secret_vote, choice="no")
    governance.proposal_close(proposal=deadline_pass(secret_vote))
    membership.refresh_from_db()
    return membership


def _api(user):
    client = APIClient()
    client.force_login(user)
    return client


def _zip(content):
    return zipfile.ZipFile(io.BytesIO(content))


def test_download_my_data_builds_a_zip_of_every_section_as_json_and_csv(fara, django_capture_on_commit_callbacks):
    client = _api(fara.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(EXPORTS)
    assert response.status_code == 202
    export = DataExport.objects.get(pk=response.json()["id"])
    assert export.status == "ready" and export.sections_done == export.sections_total == len(SECTIONS)
    status = client.get(f"{EXPORTS}{export.pk}/").json()
    assert status["status"] == "ready" and status["progress_pct"] == 100 and status["download"]
    download = client.get(status["download"])
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    archive = _zip(download.content)
    names = set(archive.namelist())
    assert names == {"README.txt"} | {f"{s}.{ext}" for s in SECTIONS for ext in ("json", "csv")}
    data = {s: json.loads(archive.read(f"{s}.json")) for s in SECTIONS}
    assert data["profile"][0]["email"] == fara.user.email
    assert data["assignments"][0]["answers"] == {"label": "yes", "note": "a cat"}
    assert data["wallet_statement"][0]["amount"] == 1000
    assert data["forum_posts"][0]["body"] == "Hello from Fara"
    votes = {v["title"]: v for v in data["votes"]}
    assert votes["Open question"]["choice"] == "yes" and votes["Open question"]["choice_knowable"] is True
    # seam 13: the secret ballot's link was erased at close; the export says they voted, not how
    assert votes["Secret question"]["choice"] is None and votes["Secret question"]["choice_knowable"] is False
    assert Ballot.objects.filter(proposal__title="Secret question", choice="no").exists()
    assert "secret ballot" in archive.read("README.txt").decode()
    assert "Hello from Fara" in archive.read("forum_posts.csv").decode()
    assert set(Event.objects.filter(actor=None, subject_type="accounts.dataexport").values_list("type", flat=True)) \
        == {"data_export.ready"}
    assert Event.objects.filter(type="data_export.requested", actor=fara.user).count() == 1


def test_the_status_page_shows_progress_and_refreshes_until_ready(fara, client):
    client.force_login(fara.user)
    response = client.post(reverse("accounts:data_export_create"))  # the job is queued after commit: not run
    export = DataExport.objects.get(user=fara.user)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:data_export", args=[export.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in page and "<progress" in page
    assert client.get(reverse("accounts:data_export_download", args=[export.pk])).status_code == 302
    from accounts.services import data_export_build

    assert data_export_build(export_id=export.pk) is True
    assert data_export_build(export_id=export.pk) is False  # a retried job builds nothing twice
    page = client.get(reverse("accounts:data_export", args=[export.pk])).content.decode()
    assert 'http-equiv="refresh"' not in page
    zipped = client.get(reverse("accounts:data_export_download", args=[export.pk]))
    assert zipped.status_code == 200 and "profile.json" in _zip(zipped.content).namelist()
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert reverse("accounts:data_rights") in profile


def test_the_export_csv_neutralises_formulas(fara, django_capture_on_commit_callbacks):
    post(fara, body='=HYPERLINK("https://evil.example","x")')
    with django_capture_on_commit_callbacks(execute=True):
        export_id = _api(fara.user).post(EXPORTS).json()["id"]
    archive = _zip(_api(fara.user).get(f"{EXPORTS}{export_id}/download/").content)
    text = archive.read("forum_posts.csv").decode()
    assert "'=HYPERLINK" in text and ',"=HYPERLINK' not in text


def test_nobody_else_reaches_an_export(fara, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        export_id = _api(fara.user).post(EXPORTS).json()["id"]
    mate = voter(fara.coop)
    assert _api(mate.user).get(f"{EXPORTS}{export_id}/").status_code == 404
    assert _api(mate.user).get(f"{EXPORTS}{export_id}/download/").status_code == 404
    org = organisation()
    _, secret = api_key_create(user=org.owner, organisation=org, name="pipeline")
    keyed = APIClient()
    keyed.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = keyed.post(EXPORTS)
    assert response.status_code == 403 and response.json()["code"] == "not_authenticated"


def test_erasure_refuses_while_the_wallet_holds_money_and_changes_nothing(fara):
    email = fara.user.email
    response = _api(fara.user).post("/api/me/erasure/", {"password": PASSWORD}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "erasure_blocked"
    assert [r["code"] for r in body["extra"]["reasons"]] == ["wallet_not_empty"]
    user = User.objects.get(pk=fara.user_id)
    assert user.email == email and user.is_active and wallet_balance(user=user) == 1000
    assert Membership.objects.get(pk=fara.pk).status == "active"


def test_erasure_refuses_a_wrong_password_and_open_work(fara):
    assert _api(fara.user).post("/api/me/erasure/", {"password": "nope", "donate_balance": True},
                                format="json").json()["code"] == "wrong_password"
    project = published_project(fara.coop, tasks=1)
    assignment_claim(member=fara.user, project=project)
    response = _api(fara.user).post("/api/me/erasure/", {"password": PASSWORD, "donate_balance": True},
                                    format="json")
    assert response.status_code == 409
    assert [r["code"] for r in response.json()["extra"]["reasons"]] == ["work_open"]
    assert wallet_balance(user=fara.user) == 1000  # the donation rolled back with the refusal


def test_erasure_gives_the_balance_to_the_treasury_then_leaves_a_tombstone(fara):
    sequence_all()
    treasury = coop_fund_balances(coop=fara.coop)["treasury"]
    postings = Posting.objects.count()
    message = Message.objects.get(author=fara.user)
    response = _api(fara.user).post("/api/me/erasure/", {"password": PASSWORD, "donate_balance": True},
                                    format="json")
    assert response.status_code == 200 and response.json() == {"erased": True}
    user = User.objects.get(pk=fara.user_id)
    assert user.email.endswith("@erased.invalid") and not user.is_active and not user.has_usable_password()
    assert MemberProfile.objects.get(user=user).display_name == "[erased]"
    assert wallet_balance(user=user) == 0
    assert coop_fund_balances(coop=fara.coop)["treasury"] == treasury + 1000
    assert Posting.objects.count() == postings + 2  # the donation; nothing else in the ledger changed
    message.refresh_from_db()
    assert message.body == "[erased]" and message.author_label == "[erased]"
    membership = Membership.objects.get(pk=fara.pk)
    assert membership.status == "left" and membership.statement in ("", "[erased]")
    types = set(Event.objects.filter(actor=user).values_list("type", flat=True))
    assert {"ledger.wallet_donated", "membership.left", "member.erased"} <= types
    # every event naming them keeps only its salted hash (the leaf); the log still verifies below
    naming = Event.objects.filter(actor=user).exclude(type="member.erased")
    assert naming.count() >= 5 and all(bytes(e.payload) == b"" for e in naming)
    escrow = Event.objects.get(type="ledger.escrow_released")  # recorded by the requester's approval
    assert bytes(escrow.payload) == b""
    assert Event.objects.get(type="member.erased").payload_json["events_erased"] >= 6
    assert not _api_login_works(fara.user.email)
    sequence_all()
    assert verify_log().ok


def _api_login_works(email):
    from django.test import Client

    # through the log-in page: Client.login() calls authenticate() without a request, which
    # django-axes (the lockout) refuses
    response = Client().post(reverse("login"), {"username": email, "password": PASSWORD})
    return response.status_code == 302


def test_erasure_from_the_page(fara, client):
    client.force_login(fara.user)
    page = client.get(reverse("accounts:data_rights")).content.decode()
    assert "donate_balance" in page and reverse("accounts:member_erase") in page
    refused = client.post(reverse("accounts:member_erase"), {"password": PASSWORD, "confirm": "on"})
    assert refused.status_code == 400 and "treasury" in refused.content.decode()
    done = client.post(reverse("accounts:member_erase"), {"password": PASSWORD, "confirm": "on",
                                                          "donate_balance": "on"})
    assert done.status_code == 302
    assert not User.objects.get(pk=fara.user_id).is_active
