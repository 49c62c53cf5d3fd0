import hashlib
import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.pseudonyms import worker_pseudonym
from accounts.requesters.services import api_key_create
from coop.eventlog import merkle
from coop.eventlog.canonical import canonical_bytes
from coop.eventlog.checkpoints import checkpoint_sign
from coop.eventlog.leaves import leaf_of
from coop.eventlog.services import event_record
from tests.eventlog.helpers import sequence_all
from tests.factories import CoopFactory, member, organisation

pytestmark = pytest.mark.django_db

FEED = "/api/eventlog/events/"


@pytest.fixture
def world():
    """Two coops; a member of each; a requester organisation whose project events name it."""
    tana, lagos = CoopFactory(), CoopFactory()
    fara, chidi = member(tana), member(lagos)
    org = organisation()
    other_org = organisation()
    event_record(type="membership.admitted", coop=tana, actor=fara.user, subject=fara, payload={"member": fara.user_id})
    event_record(type="assignment.submitted", coop=tana, actor=fara.user, subject=("tasks.assignment", 7),
                 payload={"organisation": org.pk, "project": 3, "assignment": 7})
    event_record(type="assignment.claimed", coop=lagos, actor=chidi.user, subject=("tasks.assignment", 8),
                 payload={"organisation": other_org.pk, "project": 4, "assignment": 8, "user": chidi.user_id})
    event_record(type="ballot.cast", coop=tana, actor=fara.user, subject=("governance.proposal", 1),
                 payload={"proposal": 1})
    sequence_all()
    checkpoint_sign()
    return {"tana": tana, "lagos": lagos, "fara": fara, "chidi": chidi, "org": org, "other_org": other_org}


def client_for(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_feed_is_public_envelopes_only_for_anonymous(world, django_assert_num_queries):
    with django_assert_num_queries(2):  # the page, the log size
        response = client_for().get(FEED)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"results", "next", "size"} and body["size"] == 4 and body["next"] is None
    first = body["results"][0]
    assert set(first) == {"position", "time", "coop", "type", "subject_type", "subject_id", "payload_hash",
                          "leaf_hash", "chain_hash", "payload_view"}
    assert [e["position"] for e in body["results"]] == [1, 2, 3, 4]
    assert all(e["payload_view"] == "none" and "payload" not in e for e in body["results"])
    # anyone can re-derive the leaf from the envelope
    for event in body["results"]:
        leaf = leaf_of(position=event["position"], time=event["time"], coop=event["coop"], type=event["type"],
                       subject_type=event["subject_type"], subject_id=event["subject_id"],
                       payload_hash_hex=event["payload_hash"])
        assert leaf.hex() == event["leaf_hash"]


def test_feed_paginates_after_a_position(world):
    body = client_for().get(FEED, {"limit": 3}).json()
    assert [e["position"] for e in body["results"]] == [1, 2, 3]
    assert "after=3" in body["next"]
    rest = client_for().get(body["next"]).json()
    assert [e["position"] for e in rest["results"]] == [4] and rest["next"] is None


def test_feed_filters_by_coop_and_type(world):
    body = client_for().get(FEED, {"coop": world["tana"].pk, "type": "assignment."}).json()
    assert [e["type"] for e in body["results"]] == ["assignment.submitted"]


def test_feed_refuses_a_bad_cursor():
    response = client_for().get(FEED, {"after": -1})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "after" in response.json()["extra"]


def test_members_see_their_coops_payloads_and_can_check_them_against_the_leaf(world, django_assert_num_queries):
    fara = world["fara"]
    with django_assert_num_queries(4):  # memberships, organisations, the page, the log size
        body = client_for(fara.user).get(FEED).json()
    views = {e["position"]: e for e in body["results"]}
    assert [views[p]["payload_view"] for p in (1, 2, 3, 4)] == ["member", "member", "none", "member"]
    event = views[2]
    assert event["payload"] == {"actor": fara.user_id, "assignment": 7, "organisation": world["org"].pk, "project": 3}
    digest = hashlib.sha256(bytes.fromhex(event["salt"]) + canonical_bytes(event["payload"])).hexdigest()
    assert digest == event["payload_hash"]


def test_requesters_see_their_projects_payloads_with_pseudonyms_and_no_salt(world):
    org, fara = world["org"], world["fara"]
    body = client_for(org.owner).get(FEED).json()
    views = {e["position"]: e for e in body["results"]}
    assert [views[p]["payload_view"] for p in (1, 2, 3, 4)] == ["none", "requester", "none", "none"]
    assert views[2]["payload"] == {"actor": worker_pseudonym(user=fara.user, organisation=org), "assignment": 7,
                                   "organisation": org.pk, "project": 3}
    assert "salt" not in views[2]


def test_an_api_key_reads_as_its_organisation(world):
    other = world["other_org"]
    _, secret = api_key_create(user=other.owner, organisation=other, name="pipeline")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    body = client.get(FEED).json()
    requester_views = [e for e in body["results"] if e["payload_view"] == "requester"]
    assert [e["type"] for e in requester_views] == ["assignment.claimed"]
    assert requester_views[0]["payload"]["user"] == worker_pseudonym(user=world["chidi"].user, organisation=other)


def test_ballot_events_never_carry_a_choice():
    with pytest.raises(ValueError):
        event_record(type="ballot.cast", subject=("governance.proposal", 1), payload={"proposal": 1, "choice": "yes"})
    with pytest.raises(ValueError):
        event_record(type="ballot.changed", subject=("governance.proposal", 1), payload={"ballot_id": 5})


def test_ballot_cast_shows_who_voted_to_members_but_no_choice(world):
    body = client_for(world["fara"].user).get(FEED, {"type": "ballot.cast"}).json()
    assert body["results"][0]["payload"] == {"actor": world["fara"].user_id, "proposal": 1}


def test_checkpoint_latest_and_proofs_verify(world):
    client = client_for()
    checkpoint = client.get("/api/eventlog/checkpoints/latest/").json()
    assert checkpoint["size"] == 4
    assert json.loads(checkpoint["message"])["root"] == checkpoint["root"]
    proof = client.get("/api/eventlog/proofs/inclusion/", {"position": 2}).json()
    merkle.verify_inclusion(1, 4, bytes.fromhex(proof["leaf_hash"]), [bytes.fromhex(h) for h in proof["proof"]],
                            bytes.fromhex(checkpoint["root"]))
    consistency = client.get("/api/eventlog/proofs/consistency/", {"first": 3}).json()
    merkle.verify_consistency(3, 4, [bytes.fromhex(h) for h in consistency["proof"]],
                              bytes.fromhex(consistency["first_root"]), bytes.fromhex(checkpoint["root"]))
    listing = client.get("/api/eventlog/checkpoints/").json()
    assert [c["size"] for c in listing["results"]] == [4]


def test_proofs_refuse_sizes_beyond_the_log(world):
    response = client_for().get("/api/eventlog/proofs/inclusion/", {"position": 2, "size": 9})
    assert response.status_code == 400
    assert response.json() == {"code": "beyond_log", "message": "The log has 4 positions.",
                               "extra": {"size": 9, "log_size": 4}}
    assert client_for().get("/api/eventlog/proofs/consistency/", {"first": 4, "second": 3}).status_code == 400
    assert client_for().get("/api/eventlog/events/99/").status_code == 404


def test_event_detail_url_names(world):
    assert reverse("eventlog-api:event", args=[1]) == "/api/eventlog/events/1/"
    assert client_for().get("/api/eventlog/events/1/").json()["type"] == "membership.admitted"


def test_checkpoint_first_containing_an_event():
    from coop.eventlog.selectors import checkpoint_first_containing, position_of

    first = event_record(type="appeal.opened", subject=("tasks.appeal", 1), payload={})
    assert checkpoint_first_containing(event_id=first) is None
    sequence_all()
    early = checkpoint_sign()
    second = event_record(type="appeal.opened", subject=("tasks.appeal", 2), payload={})
    sequence_all()
    assert position_of(event_id=second) == 2 and checkpoint_first_containing(event_id=second) is None
    late = checkpoint_sign()
    assert checkpoint_first_containing(event_id=first) == early
    assert checkpoint_first_containing(event_id=second) == late
