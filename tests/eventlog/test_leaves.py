from hypothesis import given
from hypothesis import strategies as st

from coop.eventlog.canonical import canonical_bytes
from coop.eventlog.leaves import GENESIS, chain_next, envelope, envelope_bytes, leaf_of, payload_hash
from coop.eventlog.merkle import leaf_hash

text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=16)


@given(st.integers(1, 2**53 - 1), st.integers(0, 2**53 - 1), st.none() | st.integers(1, 2**40), text, text, text)
def test_envelope_bytes_are_the_canonical_json_of_the_envelope(position, time, coop, type_, subject_type, subject_id):
    fields = dict(position=position, time=time, coop=coop, type=type_, subject_type=subject_type,
                  subject_id=subject_id, payload_hash_hex="ab" * 32)
    assert envelope_bytes(**fields) == canonical_bytes(envelope(**fields))


def test_leaf_and_chain_formats():
    """Written out by hand from docs/eventlog.md, so a change of format shows here."""
    import hashlib

    salt, payload = bytes(range(16)), b'{"actor":7,"n":1}'
    ph = hashlib.sha256(salt + payload).hexdigest()
    assert payload_hash(salt, payload).hex() == ph
    expected_envelope = ('{"coop":3,"payload_hash":"%s","position":1,"subject_id":"42","subject_type":"tasks.task",'
                         '"time":1700000000000000,"type":"assignment.claimed"}' % ph).encode()
    leaf = leaf_of(position=1, time=1_700_000_000_000_000, coop=3, type="assignment.claimed",
                   subject_type="tasks.task", subject_id="42", payload_hash_hex=ph)
    assert leaf == hashlib.sha256(b"\x00" + expected_envelope).digest() == leaf_hash(expected_envelope)
    assert chain_next(GENESIS, leaf) == hashlib.sha256(bytes(32) + leaf).digest()
