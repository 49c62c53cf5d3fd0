"""Who reads which payload (issue 15, leaks 2 and 3).

Leak 2: no internal id of a member (user, membership, profile, wallet, seat) reaches a
requester through the event log: payloads a requester reads carry the per-organisation
pseudonym or nothing. The member here has ids no other row has (user 900001, membership
800001, profile 700001), so finding those digits anywhere in a response is a leak.

Leak 3: members read the payloads of their coop's events, except money that went into or out
of another member's wallet: that payload is withheld (the envelope and the leaf stay, so the
chain still verifies for everyone)."""

import hashlib
import json

import pytest
from rest_framework.test import APIClient

from accounts.models import MemberProfile
from accounts.pseudonyms import worker_pseudonym
from accounts.requesters.services import api_key_create
from coop.eventlog.canonical import canonical_bytes
from coop.eventlog.leaves import leaf_of
from ledger.services import juror_pay, payout_request, payout_settle
from tasks.models import Assignment
from tasks.services import assignment_approve, assignment_bonus, assignment_claim, assignment_submit
from tests.eventlog.helpers import sequence_all
from tests.factories import CoopFactory, MembershipFactory, UserFactory, member, published_project, steward

pytestmark = pytest.mark.django_db

FEED = "/api/eventlog/events/"
MEMBER_IDS = ("900001", "800001", "700001")


def _member_with_distinct_ids(coop):
    user = UserFactory(id=900001)
    MemberProfile.objects.filter(user=user).update(id=700001)
    return MembershipFactory(id=800001, user=user, coop=coop)


@pytest.fixture
def worked():
    """A member with distinct ids claims, submits, is approved and gets a bonus on a requester's
    project; a coop-mate watches."""
    coop = CoopFactory()
    fara = _member_with_distinct_ids(coop)
    mate = member(coop)
    project = published_project(coop, tasks=2, reward=1000)
    org = project.organisation
    assignment = assignment_claim(member=fara.user, project=project)
    assignment_submit(member=fara.user, assignment=assignment, answers={"label": "yes"})
    assignment_approve(actor=org.owner, assignment=Assignment.objects.get(pk=assignment.pk))
    assignment_bonus(actor=org.owner, assignment=Assignment.objects.get(pk=assignment.pk), amount=30,
                     reason="Careful work")
    sequence_all()
    return {"coop": coop, "fara": fara, "mate": mate, "org": org, "assignment": assignment}


def _api(user=None, secret=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    if secret is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def _feed(client):
    response = client.get(FEED, {"limit": 1000})
    assert response.status_code == 200
    return response


def test_requester_feed_carries_no_member_id(worked):
    org = worked["org"]
    _, secret = api_key_create(user=org.owner, organisation=org, name="pipeline")
    for client in (_api(org.owner), _api(secret=secret)):
        response = _feed(client)
        body = response.content.decode()
        assert [n for n in MEMBER_IDS if n in body] == []
        seen = [e for e in response.json()["results"] if e["payload_view"] == "requester"]
        claimed = next(e for e in seen if e["type"] == "assignment.claimed")
        assert claimed["payload"] == {"actor": worker_pseudonym(user=worked["fara"].user, organisation=org),
                                      "assignment": worked["assignment"].pk, "organisation": org.pk,
                                      "project": worked["assignment"].project_id}
        assert {e["type"] for e in seen} >= {"assignment.claimed", "assignment.submitted", "assignment.approved",
                                             "assignment.bonus_paid", "ledger.bonus_paid"}
        for event in seen:
            detail = client.get(f"{FEED}{event['position']}/")
            assert detail.json()["payload"] == event["payload"]
            assert [n for n in MEMBER_IDS if n in detail.content.decode()] == []


def test_requester_payloads_keep_only_known_keys_and_pseudonymise_members():
    """An unknown key (a seat, a wallet, a membership...) is dropped, not passed through."""
    from coop.eventlog.models import Sequenced
    from coop.eventlog.selectors import Reader, event_view
    from coop.eventlog.services import event_record

    coop = CoopFactory()
    fara = _member_with_distinct_ids(coop)
    event_record(type="appeal.juror_accepted", coop=coop, actor=fara.user, subject=("tasks.appeal", 5),
                 payload={"organisation": 42, "appeal": 5, "seat": 800001, "wallet": 900001, "membership": 800001,
                          "member": 900001, "amount": 7})
    sequence_all()
    view = event_view(Sequenced.objects.select_related("event").get(), Reader(organisation_ids=frozenset([42])))
    assert view["payload_view"] == "requester"
    assert view["payload"] == {"actor": worker_pseudonym(user=900001, organisation=42),
                               "member": worker_pseudonym(user=900001, organisation=42),
                               "organisation": 42, "appeal": 5, "amount": 7}


def test_a_payload_under_a_member_subject_is_never_shown_to_a_requester():
    """A membership or user subject is a member's internal id in the public envelope: a
    payload a requester reads never sits under one, or its pseudonym and the id would join."""
    from coop.eventlog.models import Sequenced
    from coop.eventlog.selectors import Reader, event_view
    from coop.eventlog.services import event_record

    coop = CoopFactory()
    fara = _member_with_distinct_ids(coop)
    event_record(type="payout.requested", coop=coop, actor=fara.user, subject=("accounts.user", fara.user_id),
                 payload={"organisation": 42, "user": fara.user_id})
    sequence_all()
    view = event_view(Sequenced.objects.select_related("event").get(), Reader(organisation_ids=frozenset([42])))
    assert view["payload_view"] == "none" and "payload" not in view


def _views(client):
    return {e["type"]: e for e in _feed(client).json()["results"]}


def test_a_coop_mate_sees_no_one_elses_money_but_every_leaf(worked):
    mate = worked["mate"]
    views = _views(_api(mate.user))
    for kind in ("ledger.escrow_released", "ledger.bonus_paid", "assignment.bonus_paid", "assignment.approved"):
        event = views[kind]
        assert event["payload_view"] == "withheld", kind
        assert "payload" not in event and "salt" not in event
        leaf = leaf_of(position=event["position"], time=event["time"], coop=event["coop"], type=event["type"],
                       subject_type=event["subject_type"], subject_id=event["subject_id"],
                       payload_hash_hex=event["payload_hash"])
        assert leaf.hex() == event["leaf_hash"]
    # work that is not money stays the coop's business
    assert views["assignment.claimed"]["payload_view"] == "member"
    assert views["assignment.submitted"]["payload_view"] == "member"


def test_the_owner_sees_and_verifies_their_own_money(worked):
    fara = worked["fara"]
    views = _views(_api(fara.user))
    for kind in ("ledger.escrow_released", "ledger.bonus_paid", "assignment.bonus_paid", "assignment.approved"):
        event = views[kind]
        assert event["payload_view"] == "member", kind
        digest = hashlib.sha256(bytes.fromhex(event["salt"]) + canonical_bytes(event["payload"])).hexdigest()
        assert digest == event["payload_hash"]
    assert views["ledger.escrow_released"]["payload"]["user"] == fara.user_id
    assert views["ledger.bonus_paid"]["payload"]["amount"] == 30


def test_payouts_and_juror_pay_show_to_their_owner_and_the_coops_stewards_only(worked):
    coop, fara, mate = worked["coop"], worked["fara"], worked["mate"]
    boss = steward(coop)
    payout = payout_request(user=fara.user, amount=600, method="mobile_money", details="+261 34 00 000 00")
    payout_settle(steward=boss.user, payout=payout, reference="MM-1")
    sequence_all()
    for reader, expected in ((mate.user, "withheld"), (fara.user, "member"), (boss.user, "member")):
        views = _views(_api(reader))
        assert views["payout.requested"]["payload_view"] == expected
        assert views["payout.settled"]["payload_view"] == expected
    mate_views = _views(_api(mate.user))
    assert "mobile_money" not in json.dumps(mate_views) and '"amount": 600' not in json.dumps(mate_views)


def test_juror_pay_is_withheld_from_coop_mates(worked, django_assert_max_num_queries):
    coop, fara, mate = worked["coop"], worked["fara"], worked["mate"]
    juror_pay(coop=coop, user=fara.user, amount=1, key="juror:test:1")
    sequence_all()
    with django_assert_max_num_queries(6):
        views = _views(_api(mate.user))
    assert views["ledger.juror_paid"]["payload_view"] == "withheld"
    assert _views(_api(fara.user))["ledger.juror_paid"]["payload_view"] == "member"
