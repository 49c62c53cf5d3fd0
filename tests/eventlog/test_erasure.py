"""Erasing an event's payload (a member leaving with erasure, issue 15): the leaf keeps only the
salted hash, so the payload is gone for everyone while the chain, the Merkle head and every
proof still verify; the database allows that one change and nothing else."""

import hashlib

import pytest
from django.db import IntegrityError, connection, transaction
from rest_framework.test import APIClient

from coop.eventlog import merkle
from coop.eventlog.checkpoints import checkpoint_sign
from coop.eventlog.erasure import event_payloads_erase, events_naming
from coop.eventlog.leaves import ERASED, leaf_of
from coop.eventlog.models import Event, Sequenced
from coop.eventlog.services import event_record
from coop.eventlog.verify import verify_log
from tests.eventlog.helpers import sequence_all
from tests.factories import CoopFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged():
    coop = CoopFactory()
    fara, mate = member(coop), member(coop)
    kept = event_record(type="membership.admitted", coop=coop, actor=mate.user, subject=mate,
                        payload={"membership": mate.pk})
    mine = [
        event_record(type="forum.message_posted", coop=coop, actor=fara.user, subject=("forums.message", 1),
                     payload={"room": 1, "seq": 1}),
        event_record(type="ledger.juror_paid", coop=coop, subject=("federation.coop", coop.pk),
                     payload={"user": fara.user_id, "amount": 40}),
        event_record(type="membership.suspended", coop=coop, actor=mate.user, subject=fara,
                     payload={"membership": fara.pk}),
    ]
    sequence_all()
    checkpoint_sign()
    return {"coop": coop, "fara": fara, "mate": mate, "kept": kept, "mine": mine}


def test_the_events_naming_a_member_are_found_by_actor_subject_and_payload(logged):
    fara = logged["fara"]
    found = events_naming(user_id=fara.user_id, subjects=[("federation.membership", fara.pk)])
    assert found == sorted(logged["mine"])


def test_an_erased_payload_is_gone_and_the_log_still_verifies(logged):
    before = {s.event_id: bytes(s.leaf_hash) for s in Sequenced.objects.all()}
    assert event_payloads_erase(event_ids=logged["mine"]) == 3
    assert event_payloads_erase(event_ids=logged["mine"]) == 0  # once
    for event in Event.objects.filter(pk__in=logged["mine"]):
        assert bytes(event.payload) == b"" and bytes(event.salt).startswith(ERASED) and event.payload_json is None
    assert verify_log().ok
    client = APIClient()
    client.force_authenticate(logged["mate"].user)
    views = {e["position"]: e for e in client.get("/api/eventlog/events/").json()["results"]}
    positions = dict(Sequenced.objects.values_list("event_id", "position"))
    for event_id in logged["mine"]:
        view = views[positions[event_id]]
        assert view["payload_view"] == "erased" and "payload" not in view and "salt" not in view
        leaf = leaf_of(position=view["position"], time=view["time"], coop=view["coop"], type=view["type"],
                       subject_type=view["subject_type"], subject_id=view["subject_id"],
                       payload_hash_hex=view["payload_hash"])
        assert leaf == before[event_id] and leaf.hex() == view["leaf_hash"]
    assert views[positions[logged["kept"]]]["payload_view"] == "member"
    proof = client.get("/api/eventlog/proofs/inclusion/", {"position": positions[logged["mine"][0]]}).json()
    merkle.verify_inclusion(proof["position"] - 1, proof["size"], bytes.fromhex(proof["leaf_hash"]),
                            [bytes.fromhex(h) for h in proof["proof"]], bytes.fromhex(proof["root"]))


def test_an_event_erased_before_it_is_sequenced_gets_the_leaf_of_its_payload():
    event_id = event_record(type="test.happened", subject=("thing", 1), payload={"user": 5})
    event = Event.objects.get(pk=event_id)
    expected = hashlib.sha256(bytes(event.salt) + bytes(event.payload)).hexdigest()
    event_payloads_erase(event_ids=[event_id])
    sequence_all()
    row = Sequenced.objects.select_related("event").get(event_id=event_id)
    leaf = leaf_of(position=row.position, time=event.occurred_at, coop=None, type="test.happened",
                   subject_type="thing", subject_id="1", payload_hash_hex=expected)
    assert bytes(row.leaf_hash) == leaf and verify_log().ok


@pytest.mark.parametrize(("sql", "params"), [
    ("UPDATE eventlog_event SET payload = %s", [b"{}"]),  # another payload
    ("UPDATE eventlog_event SET type = 'test.other'", []),
    ("UPDATE eventlog_event SET payload = %s", [b""]),  # emptied, without the kept hash
    ("UPDATE eventlog_event SET payload = %s, salt = %s, subject_id = '2'",  # an erasure that moves the subject
     [b"", ERASED + bytes(32)]),
])
def test_the_guard_allows_only_an_erasure(sql, params):
    event_record(type="test.happened", subject=("thing", 1), payload={"n": 1})
    with pytest.raises(IntegrityError if connection.vendor == "postgresql" else Exception) as info:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    assert "append-only" in str(info.value)
    assert bytes(Event.objects.get().payload) == b'{"n":1}'


@pytest.mark.postgres
def test_postgresql_refuses_an_erasure_that_forges_the_hash():
    event_record(type="test.happened", subject=("thing", 1), payload={"n": 1})
    with pytest.raises(IntegrityError):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE eventlog_event SET payload = ''::bytea, "
                           "salt = convert_to('erased:', 'UTF8') || sha256('forged'::bytea)")
    assert bytes(Event.objects.get().payload) == b'{"n":1}'
