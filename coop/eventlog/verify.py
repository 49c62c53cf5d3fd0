"""Re-check the whole log from the database (`manage.py verify_events`).

For every position, from the stored bytes (the payload and salt as stored, not re-encoded
objects): the payload hash, the envelope, the leaf hash against the stored one, the chain
hash against the stored one; positions must run 1, 2, 3... without gap. The Merkle tree head is
rebuilt as it goes and compared, with the chain hash, to every checkpoint, whose Ed25519
signature must be valid and by a trusted key. Problems are reported by position.

A large log on PostgreSQL is checked in parallel: ranges of 2**CHUNK_HEIGHT positions (each a
perfect subtree) go to worker processes; each re-hashes its range, starting its chain from the
stored chain hash before it (which the previous range checked), and returns its subtree root,
its final chain hash and the partial tree at any checkpoint inside it. If anything is wrong,
the log is checked again sequentially, so the report is the same either way."""

import hashlib
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from django.db import connection, connections

from coop.eventlog.checkpoints import checkpoint_verify, trusted_public_keys
from coop.eventlog.leaves import GENESIS, payload_hash
from coop.eventlog.merkle import Frontier
from coop.eventlog.models import Checkpoint

COLUMNS = ("s.position, s.leaf_hash, s.chain_hash, e.id, e.occurred_at, e.coop_id, e.type, e.subject_type, "
           "e.subject_id, e.payload, e.salt FROM eventlog_sequenced s LEFT JOIN eventlog_event e ON e.id = s.event_id")
ROWS_SQL = f"SELECT {COLUMNS} ORDER BY s.position"
RANGE_SQL = f"SELECT {COLUMNS} WHERE s.position > %s AND s.position <= %s ORDER BY s.position"
CHUNK_HEIGHT = 17  # 131,072 positions per parallel range
PARALLEL_FROM = 1 << 18


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


_SAFE = frozenset(chr(c) for c in range(0x20, 0x7F)) - {'"', "\\"}


def _json_string(value, cache):
    encoded = cache.get(value)
    if encoded is None:
        encoded = '"' + value + '"' if _SAFE.issuperset(value) else json.dumps(value, ensure_ascii=False)
        if len(cache) < 10_000:
            cache[value] = encoded
    return encoded


def check_rows(rows, *, expected, chain, frontier, checkpoint_sizes, problems, max_problems):
    """Check position-ordered rows; the reference for the leaf format is `leaves.envelope_bytes`
    (a test keeps this inlined copy equal to it). Appends each leaf to `frontier`; returns the
    next expected position, the chain hash, and {size: (frontier stack, chain)} at every size
    in `checkpoint_sizes` met on the way."""
    sha = hashlib.sha256
    cache = {}
    cache_get = cache.get
    safe_superset = _SAFE.issuperset
    snapshots = {}
    stack = frontier._stack  # Frontier.append, inlined
    appended = 0
    for (position, stored_leaf, stored_chain, event_id, occurred_at, coop_id, type_, subject_type, subject_id,
         payload, salt) in rows:
        if len(problems) >= max_problems:
            break
        if position != expected:
            problems.append(Problem(expected, f"positions {expected}..{position - 1} are missing"))
            expected = position
        stored_leaf = bytes(stored_leaf)
        if event_id is None:
            problems.append(Problem(position, "the event at this position is missing"))
            leaf = stored_leaf
        else:
            if len(payload):
                h = sha(salt)
                h.update(payload)
                payload_hex = h.hexdigest()
            else:  # erased: the salt keeps the hash (leaves.payload_hash)
                payload_hex = payload_hash(salt, payload).hex()
            sid = ('"' + subject_id + '"') if safe_superset(subject_id) else _json_string(subject_id, {})
            envelope = ('{"coop":' + ("null" if coop_id is None else str(coop_id))
                        + ',"payload_hash":"' + payload_hex + '","position":' + str(position)
                        + ',"subject_id":' + sid
                        + ',"subject_type":' + (cache_get(subject_type) or _json_string(subject_type, cache))
                        + ',"time":' + str(occurred_at) + ',"type":' + (cache_get(type_) or _json_string(type_, cache))
                        + "}")
            leaf = sha(b"\x00" + envelope.encode()).digest()
            if leaf != stored_leaf:
                problems.append(Problem(position, "the event does not match its leaf hash "
                                                  "(payload or envelope changed)"))
        chain = sha(chain + leaf).digest()
        if chain != stored_chain:
            stored_chain = bytes(stored_chain)
            if chain != stored_chain:
                if not problems or problems[-1].position != position:
                    problems.append(Problem(position, "the chain hash does not follow from the previous one"))
                chain = stored_chain  # resynchronise, so one change is reported once
        height, node = 0, leaf
        while stack and stack[-1][0] == height:
            node = sha(b"\x01" + stack.pop()[1] + node).digest()
            height += 1
        stack.append((height, node))
        appended += 1
        if position in checkpoint_sizes:
            snapshots[position] = (list(stack), chain)
        expected = position + 1
    frontier.size += appended
    return expected, chain, snapshots


# Walk the positions index and fetch each event by primary key: rows stream out in position
# order. Left to itself the planner hashes the whole event table for every range and sorts the
# result (spilling to disk) in three processes, which took half the machine from the hashing.
STREAMING_PLAN = ("SET enable_hashjoin = off; SET enable_mergejoin = off; "
                  "SET max_parallel_workers_per_gather = 0; SET jit = off")
STREAMING_PLAN_RESET = ("RESET enable_hashjoin; RESET enable_mergejoin; RESET max_parallel_workers_per_gather; "
                        "RESET jit")
COPY_TYPES = ["int8", "bytea", "bytea", "int8", "int8", "int8", "text", "text", "text", "bytea", "bytea"]


def _rows(sql, params=None, chunk=20_000):
    if connection.vendor == "postgresql":
        # COPY in binary: no per-row protocol overhead and no hex decoding of bytea.
        query = sql % tuple(int(p) for p in params or ())
        connection.ensure_connection()
        with connection.connection.cursor() as cursor:
            cursor.execute(STREAMING_PLAN)
            try:
                with cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT BINARY)") as copy:
                    copy.set_types(COPY_TYPES)
                    yield from copy.rows()
            finally:
                cursor.execute(STREAMING_PLAN_RESET)
        return
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while True:
            rows = cursor.fetchmany(chunk)
            if not rows:
                return
            yield from rows


def verify_log(*, max_problems=20, workers=None):
    """Verify the whole log. `workers`: processes for a large PostgreSQL log (default: the CPU
    count; 0 or 1 = sequential)."""
    checkpoints = list(Checkpoint.objects.order_by("size"))
    if workers is None:
        workers = os.cpu_count() or 1
    if workers > 1 and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(position), 0) FROM eventlog_sequenced")
            size = cursor.fetchone()[0]
        if size >= PARALLEL_FROM:
            result = _verify_parallel(size, checkpoints, workers)
            if result.ok:
                return result
    return _verify_sequential(checkpoints, max_problems)


def _verify_sequential(checkpoints, max_problems):
    result = VerifyResult(checkpoints=len(checkpoints))
    problems = result.problems
    frontier = Frontier()
    sizes = {c.size for c in checkpoints}
    expected, chain, snapshots = check_rows(_rows(ROWS_SQL), expected=1, chain=GENESIS, frontier=frontier,
                                            checkpoint_sizes=sizes, problems=problems, max_problems=max_problems)
    result.size = expected - 1
    _check_checkpoints(checkpoints, snapshots, result, max_problems)
    return result


def _check_checkpoints(checkpoints, snapshots, result, max_problems):
    problems = result.problems
    trusted = trusted_public_keys()
    previous_size = 0
    for checkpoint in checkpoints:
        if len(problems) >= max_problems:
            break
        if checkpoint.size not in snapshots:
            problems.append(Problem(result.size + 1, f"checkpoint of size {checkpoint.size} signs positions up to "
                                                     f"{checkpoint.size} but the log ends at {result.size}"))
            continue
        reason = checkpoint_verify(checkpoint, trusted=trusted)
        if reason:
            problems.append(Problem(checkpoint.size, f"checkpoint of size {checkpoint.size}: {reason}"))
        stack, chain = snapshots[checkpoint.size]
        root = Frontier.from_stack(stack, checkpoint.size).root()
        if bytes(checkpoint.root) != root or bytes(checkpoint.chain_hash) != chain:
            if not any(previous_size < p.position <= checkpoint.size for p in problems):
                problems.append(Problem(previous_size + 1, (
                    f"the log does not match the checkpoint of size {checkpoint.size}: history was rewritten "
                    f"between positions {previous_size + 1} and {checkpoint.size}")))
        previous_size = checkpoint.size
    problems.sort(key=lambda p: p.position)


def verify_range(start, end, checkpoint_sizes):
    """Check positions start+1..end (a worker's job). Returns (problem count, subtree stack,
    final chain, snapshots); snapshots hold stacks relative to this range."""
    problems = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT chain_hash FROM eventlog_sequenced WHERE position = %s", [start])
        row = cursor.fetchone()
    chain = bytes(row[0]) if row else GENESIS
    if start and row is None:
        return 1, [], chain, {}
    frontier = Frontier()
    expected, chain, snapshots = check_rows(_rows(RANGE_SQL, [start, end]), expected=start + 1, chain=chain,
                                            frontier=frontier, checkpoint_sizes=checkpoint_sizes, problems=problems,
                                            max_problems=1)
    if expected != end + 1:
        problems.append(Problem(expected, "missing positions"))
    return len(problems), frontier.stack, chain, snapshots


def _worker(start, end, sizes):
    try:
        return verify_range(start, end, sizes)
    finally:
        connections.close_all()


def _verify_parallel(size, checkpoints, workers, run_inline=False):
    result = VerifyResult(size=size, checkpoints=len(checkpoints))
    step = 1 << CHUNK_HEIGHT
    ranges = [(a, min(a + step, size)) for a in range(0, size, step)]
    sizes = {c.size for c in checkpoints}
    jobs = [(a, b, {s for s in sizes if a < s <= b}) for a, b in ranges]
    if run_inline:
        outcomes = [verify_range(*job) for job in jobs]
    else:
        connections.close_all()

        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            outcomes = list(pool.map(_worker, *zip(*jobs, strict=True)))
    frontier = Frontier()
    snapshots = {}
    for (a, b), (bad, stack, _chain, local) in zip(ranges, outcomes, strict=True):
        if bad:
            result.problems.append(Problem(a + 1, "a problem in this range (checked again sequentially)"))
            return result
        for s, (local_stack, local_chain) in local.items():
            snapshots[s] = (frontier.stack + local_stack, local_chain)
        if b - a == step:
            frontier.append_subtree(CHUNK_HEIGHT, Frontier.from_stack(stack, step).root())
        else:
            frontier = Frontier.from_stack(frontier.stack + stack, b)
    _check_checkpoints(checkpoints, snapshots, result, 20)
    return result
