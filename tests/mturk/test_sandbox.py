"""An organisation's sandbox (issue 20's sandbox, issue 19's sandbox endpoint; docs/sandbox.md):
test money from a button, work done by the organisation's own staff as personas in a sandbox
coop, the same pages and MTurk API, every page marked, keys saying their world, and nothing
touching a real balance."""

import boto3
import pytest
from botocore.config import Config
from django.test import Client

from accounts.models import Organisation, User
from accounts.requesters.services import api_key_create
from coop.core.errors import DomainError
from coop.eventlog.services import event_record
from coop.federation.models import Coop
from coop.federation.selectors import coops_all
from coop.federation.services import membership_apply
from ledger import posting
from ledger.models import Transaction
from ledger.posting import Leg
from ledger.selectors import federation_fee_balance, requester_balance, wallet_balance
from ledger.services import deposit_record, payout_request, reconciliation_run
from tasks.models import Project
from tasks.services import project_create
from tests.factories import operator, organisation
from tests.mturk.conftest import HTML, member_does_the_work

HIT = dict(Title="Is there a cat?", Description="Say whether a cat is in the picture.", Keywords="cats, estimate:2",
           Reward="0.50", MaxAssignments=1, LifetimeInSeconds=3600, AssignmentDurationInSeconds=600, Question=HTML)


def client_at(live, path, access_key, secret):
    client = boto3.client("mturk", endpoint_url=live.url + path, region_name="us-east-1",
                          aws_access_key_id=access_key, aws_secret_access_key=secret,
                          config=Config(retries={"total_max_attempts": 1}))
    live.clients.append(client)
    return client


def _world_findings():
    return [f for f in reconciliation_run().findings if "world" in f["check"] or "sandbox" in f["check"]]


def test_a_requester_tries_everything_in_the_sandbox_and_nothing_real_moves(live, world):
    org, owner = world["org"], world["org"].owner
    real_balance = requester_balance(organisation=org)
    browser = Client()
    browser.force_login(owner)
    home = browser.get(f"/requester/?org={org.pk}").content.decode()
    assert "Open the sandbox" in home and "acts for real" in home and "sandbox-banner" not in home

    entered = browser.post("/requester/sandbox/enter/", {"org": org.pk})
    assert entered.status_code == 302
    twin = Organisation.objects.get(sandbox_of=org)
    persona = User.objects.get(sandbox_of=owner)
    sandbox_coop = Coop.objects.get(sandbox_of=org)
    assert persona.memberships.get().coop == sandbox_coop and not persona.has_usable_password()
    page = browser.get(entered["Location"]).content.decode()
    assert 'id="sandbox-banner"' in page and "Add test money" in page  # the session acts as the persona
    assert 'id="sandbox-banner"' in browser.get("/work/").content.decode()  # every page is marked
    assert browser.post("/requester/sandbox/money/", {"org": twin.pk}).status_code == 302
    assert requester_balance(organisation=twin) == 100_000
    assert sandbox_coop not in coops_all()  # listed nowhere, takes no applications

    # the organisation's real key, at MTurk's sandbox endpoint, acts in the sandbox
    mturk = client_at(live, "/mturk/sandbox/", world["key"].prefix, world["secret"])
    assert mturk.get_account_balance()["AvailableBalance"] == "1000.00"
    hit = mturk.create_hit(**HIT)["HIT"]
    project = Project.objects.get()
    assert project.coop == sandbox_coop and project.organisation == twin
    # only the organisation's staff (as personas) see the sandbox's work
    stranger = Client()
    stranger.force_login(world["members"][0])
    assert stranger.get(f"/work/projects/{project.pk}/").status_code in (403, 404)
    assert "Is there a cat?" not in stranger.get("/work/").content.decode()
    member_does_the_work(persona, project.pk, {"cat": "yes"})
    done = mturk.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"][0]
    mturk.approve_assignment(AssignmentId=done["AssignmentId"])
    assert wallet_balance(user=persona) == 50

    # nothing real moved: the real organisation, the real federation fee, the person's wallet
    assert requester_balance(organisation=org) == real_balance
    assert federation_fee_balance() == 0 and federation_fee_balance(sandbox=True) > 0
    assert wallet_balance(user=owner) == 0
    assert _world_findings() == []

    # a sandbox key says its world: refused at the real endpoint, fine at the sandbox one
    key, secret = api_key_create(user=persona, organisation=twin, name="sandbox script")
    with pytest.raises(Exception, match="sandbox"):
        client_at(live, "/mturk/", key.prefix, secret).get_account_balance()
    sandboxed = client_at(live, "/mturk/sandbox/", key.prefix, secret).get_account_balance()
    assert sandboxed["AvailableBalance"] == mturk.get_account_balance()["AvailableBalance"]
    assert "acts in the sandbox" in browser.get(f"/requester/?org={twin.pk}").content.decode()

    left = browser.post("/requester/sandbox/leave/")
    assert left.status_code == 302
    assert 'id="sandbox-banner"' not in browser.get(f"/requester/?org={org.pk}").content.decode()


def test_money_never_crosses_between_the_worlds(live, world):
    org, owner = world["org"], world["org"].owner
    browser = Client()
    browser.force_login(owner)
    browser.post("/requester/sandbox/enter/", {"org": org.pk})
    twin, persona = Organisation.objects.get(sandbox_of=org), User.objects.get(sandbox_of=owner)
    sandbox_coop = Coop.objects.get(sandbox_of=org)
    before = Transaction.objects.count()
    with pytest.raises(DomainError, match="sandbox"):
        deposit_record(operator=operator(), organisation=twin, amount=1_000, reference="wire-9")
    with pytest.raises(DomainError, match="sandbox"):
        project_create(actor=owner, organisation=org, coop=sandbox_coop, title="Real work", category="x",
                       reward=50, estimated_minutes=1)
    with pytest.raises(DomainError, match="sandbox"):
        project_create(actor=persona, organisation=twin, coop=world["coop"], title="Test work", category="x",
                       reward=50, estimated_minutes=1)
    with pytest.raises(DomainError, match="sandbox"):
        membership_apply(user=organisation(name="Another").owner, coop=sandbox_coop,
                         statement="I would like to join this coop please.")
    browser.post("/requester/sandbox/money/", {"org": twin.pk})
    with pytest.raises(DomainError, match="sandbox"):
        payout_request(user=persona, amount=10, method="bank_transfer")
    assert Transaction.objects.count() == before + 1  # the test money only

    # the reconciliation sees a transaction that mixes the worlds (a bug that posting allows)
    event = event_record(type="ledger.test_mixed", payload={})
    posting.post(key="mixed-1", kind=Transaction.Kind.BONUS, memo="", event_id=event,
                 legs=[Leg(posting.requester(twin.pk), -10), Leg(posting.wallet(world["members"][0].pk), 10)])
    assert {f["check"] for f in _world_findings()} == {"worlds_mixed", "sandbox_books_sum_to_zero"}
