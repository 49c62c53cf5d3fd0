"""Tampering, as an attacker with database access would do it (triggers switched off), is
detected by `verify_events` with the right position named."""

import pytest
from django.core.management import call_command
from django.db import connection

from coop.eventlog.checkpoints import checkpoint_sign
from coop.eventlog.leaves import GENESIS, chain_next, leaf_of, payload_hash
from coop.eventlog.models import Checkpoint, Sequenced
from coop.eventlog.services import event_record
from coop.eventlog.verify import verify_log
from tests.eventlog.helpers import sequence_all, triggers_disabled
from tests.factories import CoopFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def log():
    """Ten events, sequenced, with checkpoints at sizes 5 and 10."""
    coop = CoopFactory()
    for n in range(1, 11):
        event_record(type="test.happened", coop=coop, subject=("thing", n), payload={"n": n})
        if n in (5, 10):
            sequence_all()
            checkpoint_sign()
    return coop


def event_id_at(position):
    return Sequenced.objects.get(position=position).event_id


def execute(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_verify_log_passes_on_an_untouched_log(log):
    result = verify_log()
    assert result.ok, result.problems
    assert result.size == 10 and result.checkpoints == 2


def test_verify_events_command_exits_1_and_names_the_first_bad_position(log, capsys):
    with triggers_disabled():
        execute("UPDATE eventlog_event SET payload = %s WHERE id = %s", [b'{"n":99}', event_id_at(7)])
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_events")
    assert exit_info.value.code == 1
    assert "first bad position 7" in capsys.readouterr().out


def test_verify_detects_one_changed_payload_byte(log):
    event_id = event_id_at(4)
    payload = bytearray(Sequenced.objects.get(position=4).event.payload)
    payload[-2] ^= 1  # {"n":4} -> {"n":5}
    with triggers_disabled():
        execute("UPDATE eventlog_event SET payload = %s WHERE id = %s", [bytes(payload), event_id])
    result = verify_log()
    assert result.first_bad_position == 4
    assert "leaf hash" in result.problems[0].message


def test_verify_detects_a_changed_envelope_field(log):
    with triggers_disabled():
        execute("UPDATE eventlog_event SET type = 'test.forged' WHERE id = %s", [event_id_at(2)])
    assert verify_log().first_bad_position == 2


def test_verify_detects_a_deleted_event(log):
    event_id = event_id_at(6)
    with triggers_disabled():
        execute("DELETE FROM eventlog_sequenced WHERE position = 6")
        execute("DELETE FROM eventlog_event WHERE id = %s", [event_id])
    result = verify_log()
    assert result.first_bad_position == 6
    assert "missing" in result.problems[0].message


def test_verify_detects_a_deleted_event_with_later_positions_renumbered(log):
    event_id = event_id_at(6)
    with triggers_disabled():
        execute("DELETE FROM eventlog_sequenced WHERE position = 6")
        execute("DELETE FROM eventlog_event WHERE id = %s", [event_id])
        for position in range(7, 11):
            execute("UPDATE eventlog_sequenced SET position = %s WHERE position = %s", [position - 1, position])
    assert verify_log().first_bad_position == 6


def test_verify_detects_two_swapped_events(log):
    with triggers_disabled():
        execute("UPDATE eventlog_sequenced SET position = -1 WHERE position = 3")
        execute("UPDATE eventlog_sequenced SET position = 3 WHERE position = 8")
        execute("UPDATE eventlog_sequenced SET position = 8 WHERE position = -1")
    result = verify_log()
    assert result.first_bad_position == 3
    assert {p.position for p in result.problems} >= {3, 8}


def test_verify_detects_a_truncated_log(log):
    with triggers_disabled():
        execute("DELETE FROM eventlog_sequenced WHERE position > 8")
    result = verify_log()
    assert result.first_bad_position == 9
    assert "checkpoint of size 10" in result.problems[0].message


def _rewrite_from(position, payload):
    """Rewrite one event and recompute every leaf and chain hash after it, as an attacker who
    knows the formats would, so that the chain itself is consistent again."""
    with triggers_disabled():
        execute("UPDATE eventlog_event SET payload = %s WHERE id = %s", [payload, event_id_at(position)])
        chain = GENESIS
        for row in Sequenced.objects.select_related("event").order_by("position"):
            e = row.event
            leaf = leaf_of(position=row.position, time=e.occurred_at, coop=e.coop_id, type=e.type,
                           subject_type=e.subject_type, subject_id=e.subject_id,
                           payload_hash_hex=payload_hash(e.salt, e.payload).hex())
            chain = chain_next(chain, leaf)
            execute("UPDATE eventlog_sequenced SET leaf_hash = %s, chain_hash = %s WHERE position = %s",
                    [leaf, chain, row.position])


def test_verify_detects_a_recomputed_chain_against_the_signed_checkpoints(log):
    _rewrite_from(3, b'{"n":333}')
    result = verify_log()
    assert not result.ok
    # The chain is consistent; the checkpoint of size 5 bounds the rewrite to positions 1..5.
    assert result.first_bad_position == 1
    assert "checkpoint of size 5" in result.problems[0].message


def test_verify_detects_a_history_re_signed_with_another_key(log, settings):
    _rewrite_from(7, b'{"n":777}')
    with triggers_disabled():
        execute("DELETE FROM eventlog_checkpoint WHERE size = 10")
    settings.EVENTLOG_SIGNING_KEY = "11" * 32  # the attacker's own key
    forged = checkpoint_sign()
    assert forged.size == 10
    settings.EVENTLOG_SIGNING_KEY = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
    result = verify_log()
    assert [(p.position, "trust" in p.message) for p in result.problems] == [(10, True)]
    # The checkpoint of size 5 still verifies: the rewrite is after it.
    assert result.first_bad_position == 10


def test_verify_detects_a_forged_checkpoint_root(log):
    with triggers_disabled():
        execute("UPDATE eventlog_checkpoint SET root = %s WHERE size = 5", [bytes(32)])
    result = verify_log()
    assert [(p.position, p.message) for p in result.problems] == [(5, "checkpoint of size 5: bad signature")]


def test_checkpoint_sign_signs_only_new_heads(log):
    assert checkpoint_sign() is None
    assert list(Checkpoint.objects.values_list("size", flat=True)) == [10, 5]


# --- the fast paths agree with the reference ------------------------------------------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from coop.eventlog import verify as verify_module  # noqa: E402
from coop.eventlog.merkle import Frontier  # noqa: E402

text = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=12)


@given(st.lists(st.tuples(text, text, text, st.none() | st.integers(1, 10**6), st.integers(0, 2**53 - 1),
                          st.binary(max_size=20)), min_size=1, max_size=8))
def test_check_rows_inlined_envelope_equals_the_reference_format(events):
    """`verify.check_rows` inlines the envelope for speed; it must hash exactly as
    `leaves.envelope_bytes` (canonical JSON, checked in test_leaves) does."""
    rows, chain = [], GENESIS
    for position, (type_, subject_type, subject_id, coop, time, payload) in enumerate(events, start=1):
        salt = bytes(16)
        leaf = leaf_of(position=position, time=time, coop=coop, type=type_, subject_type=subject_type,
                       subject_id=subject_id, payload_hash_hex=payload_hash(salt, payload).hex())
        chain = chain_next(chain, leaf)
        rows.append((position, leaf, chain, position, time, coop, type_, subject_type, subject_id, payload, salt))
    problems = []
    verify_module.check_rows(rows, expected=1, chain=GENESIS, frontier=Frontier(), checkpoint_sizes=set(),
                             problems=problems, max_problems=5)
    assert problems == []


def test_parallel_ranges_agree_with_the_sequential_check(log, monkeypatch):
    monkeypatch.setattr(verify_module, "CHUNK_HEIGHT", 2)  # ranges of 4 positions
    checkpoints = list(Checkpoint.objects.order_by("size"))
    result = verify_module._verify_parallel(10, checkpoints, workers=2, run_inline=True)
    assert result.ok and result.size == 10 and result.checkpoints == 2
    with triggers_disabled():
        execute("UPDATE eventlog_event SET payload = %s WHERE id = %s", [b'{"n":66}', event_id_at(6)])
    assert verify_module._verify_parallel(10, checkpoints, workers=2, run_inline=True).problems[0].position == 5
    assert verify_log().first_bad_position == 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_verify_log_in_worker_processes_on_postgres(monkeypatch):
    from tests.eventlog.helpers import sequence_until

    monkeypatch.setattr(verify_module, "CHUNK_HEIGHT", 2)
    monkeypatch.setattr(verify_module, "PARALLEL_FROM", 1)
    for n in range(11):
        event_record(type="test.happened", subject=("thing", n), payload={"n": n})
    sequence_until(11)
    checkpoint_sign()
    result = verify_log(workers=2)
    assert result.ok and result.size == 11
    with triggers_disabled():
        execute("UPDATE eventlog_event SET subject_id = 'x' WHERE id = %s", [event_id_at(9)])
    assert verify_log(workers=2).first_bad_position == 9
