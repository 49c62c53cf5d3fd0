"""Re-check the whole log from the database (`manage.py verify_events`).

For every position, from the stored bytes (the payload and salt as stored, not re-encoded
objects): the payload hash, the envelope, the leaf hash against the stored one, the chain
hash against the stored one; positions must run 1, 2, 3... without gap. The Merkle tree head is
rebuilt as it goes and compared, with the chain hash, to every checkpoint, whose Ed25519
signature must be valid and by a trusted key. Problems are reported by position."""

from dataclasses import dataclass, field

from django.db import connection

from coop.eventlog.checkpoints import checkpoint_verify, trusted_public_keys
from coop.eventlog.leaves import GENESIS, chain_next, leaf_of, payload_hash
from coop.eventlog.merkle import Frontier
from coop.eventlog.models import Checkpoint

ROWS_SQL = (
    "SELECT s.position, s.leaf_hash, s.chain_hash, e.id, e.occurred_at, e.coop_id, e.type, e.subject_type, "
    "e.subject_id, e.payload, e.salt FROM eventlog_sequenced s LEFT JOIN eventlog_event e ON e.id = s.event_id "
    "ORDER BY s.position"
)


@dataclass
class Problem:
    position: int
    message: str


@dataclass
class VerifyResult:
    size: int = 0
    checkpoints: int = 0
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems

    @property
    def first_bad_position(self):
        return min((p.position for p in self.problems), default=None)


def _rows(chunk=10_000):
    with connection.chunked_cursor() as cursor:
        cursor.execute(ROWS_SQL)
        while True:
            rows = cursor.fetchmany(chunk)
            if not rows:
                return
            yield from rows


def verify_log(*, max_problems=20):
    result = VerifyResult()
    problems = result.problems
    trusted = trusted_public_keys()
    checkpoints = list(Checkpoint.objects.order_by("size"))
    result.checkpoints = len(checkpoints)
    due = iter(checkpoints)
    checkpoint = next(due, None)
    previous_checkpoint_size = 0
    frontier = Frontier()
    chain = GENESIS
    expected = 1
    for (position, stored_leaf, stored_chain, event_id, occurred_at, coop_id, type_, subject_type, subject_id,
         payload, salt) in _rows():
        if len(problems) >= max_problems:
            break
        if position != expected:
            problems.append(Problem(expected, f"positions {expected}..{position - 1} are missing"))
            # Count the missing leaves as absent; the tree from here on cannot match.
            expected = position
        stored_leaf, stored_chain = bytes(stored_leaf), bytes(stored_chain)
        if event_id is None:
            problems.append(Problem(position, "the event at this position is missing"))
            leaf = stored_leaf
        else:
            leaf = leaf_of(position=position, time=occurred_at, coop=coop_id, type=type_,
                           subject_type=subject_type, subject_id=subject_id,
                           payload_hash_hex=payload_hash(salt, payload).hex())
            if leaf != stored_leaf:
                problems.append(Problem(position, "the event does not match its leaf hash "
                                                  "(payload or envelope changed)"))
        chain = chain_next(chain, leaf)
        if chain != stored_chain:
            if not problems or problems[-1].position != position:
                problems.append(Problem(position, "the chain hash does not follow from the previous one"))
            chain = stored_chain  # resynchronise, so one change is reported once
        frontier.append(leaf)
        while checkpoint is not None and checkpoint.size == position:
            _check_checkpoint(checkpoint, frontier, chain, previous_checkpoint_size, trusted, problems)
            previous_checkpoint_size = checkpoint.size
            checkpoint = next(due, None)
        expected = position + 1
    result.size = expected - 1
    while checkpoint is not None and len(problems) < max_problems:
        problems.append(Problem(result.size + 1, f"checkpoint of size {checkpoint.size} signs positions up to "
                                                 f"{checkpoint.size} but the log ends at {result.size}"))
        checkpoint = next(due, None)
    problems.sort(key=lambda p: p.position)
    return result


def _check_checkpoint(checkpoint, frontier, chain, previous_size, trusted, problems):
    reason = checkpoint_verify(checkpoint, trusted=trusted)
    if reason:
        problems.append(Problem(checkpoint.size, f"checkpoint of size {checkpoint.size}: {reason}"))
    if bytes(checkpoint.root) != frontier.root() or bytes(checkpoint.chain_hash) != chain:
        already = any(previous_size < p.position <= checkpoint.size for p in problems)
        if not already:
            problems.append(Problem(previous_size + 1, (
                f"the log does not match the checkpoint of size {checkpoint.size}: history was rewritten "
                f"between positions {previous_size + 1} and {checkpoint.size}")))
