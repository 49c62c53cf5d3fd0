"""coop/eventlog/selectors.py: the feed and its filters, what each reader sees of a payload
(public envelope, member, requester), proofs that verify against the root, and checkpoints."""

import json

import pytest

from coop.eventlog import merkle
from coop.eventlog.checkpoints import checkpoint_sign
from coop.eventlog.selectors import (
    ANONYMOUS,
    Reader,
    checkpoint_first_containing,
    checkpoint_latest,
    checkpoint_view,
    checkpoints_after,
    consistency_proof,
    event_at,
    event_types,
    event_view,
    events_feed,
    events_for_subject,
    events_view,
    inclusion_proof,
    log_size,
    payload_hash_hex,
    position_of,
)
from coop.eventlog.services import event_record
from tests.eventlog.helpers import sequence_all
from tests.factories import CoopFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def log():
    """Five events in two coops: three of coop A (one naming organisation 77), two of coop B."""
    a, b = CoopFactory(), CoopFactory()
    ids = [
        event_record(type="project.created", coop=a, subject=("tasks.project", 1), payload={"organisation": 77,
                                                                                           "project": 1}),
        event_record(type="forum.message_posted", coop=a, subject=("forums.message", 1), payload={"room": 3}),
        event_record(type="forum.message_hidden", coop=b, subject=("forums.message", 2), payload={"room": 4}),
        event_record(type="project.published", coop=b, subject=("tasks.project", 2), payload={"organisation": 78}),
        event_record(type="project.created", coop=a, subject=("tasks.project", 1), payload={"project": 1}),
    ]
    sequence_all()
    return a, b, ids


def test_feed_filters_by_position_coop_and_type(log):
    a, b, ids = log
    assert [r.position for r in events_feed()] == [1, 2, 3, 4, 5]
    assert [r.position for r in events_feed(after=2, limit=2)] == [3, 4]
    assert [r.position for r in events_feed(before=3, newest_first=True)] == [2, 1]
    assert [r.position for r in events_feed(coop_id=b.pk)] == [3, 4]
    assert [r.position for r in events_feed(type="forum.")] == [2, 3]  # a prefix with its dot
    assert [r.position for r in events_feed(type="project.created")] == [1, 5]
    assert event_types(coop_id=a.pk) == ["forum.message_posted", "project.created"]
    assert [e.pk for e in events_for_subject(subject_type="tasks.project", subject_id=1)] == [ids[0], ids[4]]
    assert log_size() == 5 and position_of(event_id=ids[3]) == 4 and event_at(position=9) is None


def test_anonymous_readers_get_the_envelope_only(log):
    view = event_view(event_at(position=1))
    assert view["payload_view"] == "none" and "payload" not in view and "salt" not in view
    assert view["payload_hash"] == payload_hash_hex(event_at(position=1).event)


def test_members_read_their_coops_payloads(log):
    a, _b, _ids = log
    rows = events_feed()
    views = events_view(rows, Reader(coop_ids=frozenset({a.pk})))
    assert [v["payload_view"] for v in views] == ["member", "member", "none", "none", "member"]
    assert views[1]["payload"]["room"] == 3 and len(views[1]["salt"]) == 32


def test_requesters_read_payloads_naming_their_organisation_without_the_salt(log):
    views = events_view(events_feed(), Reader(organisation_ids=frozenset({77})))
    assert views[0]["payload_view"] == "requester" and views[0]["payload"]["project"] == 1
    assert "salt" not in views[0]
    assert [v["payload_view"] for v in views[1:]] == ["none"] * 4  # 78 is another organisation's


def test_inclusion_and_consistency_proofs_verify(log):
    proof = inclusion_proof(position=3, size=5)
    merkle.verify_inclusion(2, 5, bytes.fromhex(proof["leaf_hash"]), [bytes.fromhex(h) for h in proof["proof"]],
                            bytes.fromhex(proof["root"]))
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(1, 5, bytes.fromhex(proof["leaf_hash"]), [bytes.fromhex(h) for h in proof["proof"]],
                                bytes.fromhex(proof["root"]))
    grow = consistency_proof(first=2, second=5)
    merkle.verify_consistency(2, 5, [bytes.fromhex(h) for h in grow["proof"]], bytes.fromhex(grow["first_root"]),
                              bytes.fromhex(grow["second_root"]))
    assert grow["second_root"] == proof["root"]


def test_checkpoints_and_the_first_that_contains_an_event(log):
    _a, _b, ids = log
    assert checkpoint_first_containing(event_id=ids[0]) is None  # not signed yet
    first = checkpoint_sign()
    later = event_record(type="forum.message_posted", coop=log[0], subject=("forums.message", 9), payload={})
    assert checkpoint_first_containing(event_id=later) is None  # not sequenced yet
    sequence_all()
    second = checkpoint_sign()
    assert checkpoint_first_containing(event_id=ids[0]) == first
    assert checkpoint_first_containing(event_id=later) == second
    assert checkpoint_latest() == second and checkpoints_after(after=5) == [second]
    view = checkpoint_view(first)
    assert json.loads(view["message"])["size"] == 5 and view["root"] == inclusion_proof(position=1, size=5)["root"]
    assert ANONYMOUS == Reader()
