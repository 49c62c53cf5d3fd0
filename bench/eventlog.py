"""Benchmark of the event log, on PostgreSQL, with pgbench as the baseline in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atelier_eventlog .venv/bin/python bench/eventlog.py

It EMPTIES the event log tables of that database (TRUNCATE ... CASCADE) before and after.

(a) Baseline: `pgbench` with 4 clients, each transaction one single-row INSERT into a table
    shaped like the event table. Then `event_record` from 4 processes, one event per short
    transaction, while the sequencer loop runs in a fifth process. Ratio = (a) / baseline.
(b) Sequencer lag under that load: sequenced_at - occurred_at (occurred_at is taken just
    before the INSERT, so this is commit-to-position plus the transaction's own length): p50, p99.
(c) `verify_events` speed on --verify-size events (default 1,000,000) built in bulk with COPY
    (real leaf and chain hashes, one signed checkpoint at the end).
The last line printed is one JSON object with the figures.
"""

import argparse
import json
import multiprocessing as mp
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coop.settings")

from bench.common import django_setup, pg_args  # noqa: E402

BASELINE_TABLE = """
CREATE TABLE IF NOT EXISTS bench_event_baseline (
    id bigserial PRIMARY KEY, type varchar(64) NOT NULL, coop_id bigint, actor_id bigint,
    subject_type varchar(64) NOT NULL, subject_id varchar(64) NOT NULL, payload bytea NOT NULL,
    salt bytea NOT NULL, occurred_at bigint NOT NULL,
    txid bigint DEFAULT (pg_current_xact_id()::text::bigint)
);
CREATE INDEX IF NOT EXISTS bench_event_baseline_txid ON bench_event_baseline (txid, id);
"""
BASELINE_SCRIPT = (
    "INSERT INTO bench_event_baseline (type, coop_id, actor_id, subject_type, subject_id, payload, salt, "
    "occurred_at) VALUES ('bench.recorded', NULL, NULL, 'bench.thing', '1', '\\x7b226e223a317d', "
    "'\\x00112233445566778899aabbccddeeff', 1);\n"
)


def empty_log():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE eventlog_sequenced, eventlog_checkpoint, eventlog_event CASCADE")


BASELINE_SCRIPT_TX = "BEGIN;\n" + BASELINE_SCRIPT + "COMMIT;\n"


def pgbench(seconds, clients, script_text=BASELINE_SCRIPT):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(BASELINE_TABLE)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write(script_text)
    try:
        out = subprocess.run(["pgbench", "-n", "-c", str(clients), "-j", str(clients), "-T", str(seconds),
                              "-f", script.name, *pg_args()], check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(script.name)
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_event_baseline")
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)
    return float(match.group(1))


def event_type(atomic):
    return "bench.in_atomic" if atomic else "bench.recorded"


def writer(seconds, counter, start_at, atomic):
    """One event per transaction: with `atomic`, inside `transaction.atomic()` as a service
    writes it (BEGIN, INSERT, COMMIT: three round trips); without, the INSERT is its own
    transaction (one round trip, the shape of pgbench's single-row insert)."""
    django_setup()
    from contextlib import nullcontext

    from django.db import transaction

    from coop.eventlog.services import event_record

    block = transaction.atomic if atomic else nullcontext
    while time.time() < start_at:
        time.sleep(0.005)
    done, end = 0, start_at + seconds
    while time.time() < end:
        with block():
            event_record(type=event_type(atomic), subject=("bench.thing", done), payload={"n": done})
        done += 1
    counter.put((done, time.process_time()))


def sequencer_loop(stop, cpu):
    django_setup()
    from coop.eventlog.sequencer import pause_after, sequence_pending

    while not stop.is_set():  # as `manage.py run_sequencer` paces itself, idle polls every 10 ms
        time.sleep(pause_after(sequence_pending(), idle=0.01))
    cpu.put(time.process_time())


def other_databases_sampler(stop, result):
    """How long transactions of OTHER databases of the cluster stayed open: the horizon
    `pg_snapshot_xmin` is cluster-wide, so they hold the sequencer back too."""
    django_setup()
    from django.db import connection

    longest, samples = 0.0, []
    while not stop.is_set():
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(EXTRACT(EPOCH FROM max(now() - xact_start)), 0) FROM pg_stat_activity "
                           "WHERE datname IS DISTINCT FROM current_database() AND backend_xid IS NOT NULL")
            age = float(cursor.fetchone()[0])
        samples.append(age)
        longest = max(longest, age)
        time.sleep(0.1)
    samples.sort()
    result.put((longest, samples[int(len(samples) * 0.99)] if samples else 0.0))


def record_under_load(seconds, writers, atomic):
    from django.db import connection

    from coop.eventlog.sequencer import sequence_pending

    connection.close()
    ctx = mp.get_context("fork")
    counter, stop, other, seq_cpu = ctx.Queue(), ctx.Event(), ctx.Queue(), ctx.Queue()
    start_at = time.time() + 1.5
    seq = ctx.Process(target=sequencer_loop, args=(stop, seq_cpu))
    seq.start()
    sampler = ctx.Process(target=other_databases_sampler, args=(stop, other))
    sampler.start()
    procs = [ctx.Process(target=writer, args=(seconds, counter, start_at, atomic)) for _ in range(writers)]
    for p in procs:
        p.start()
    counts = [counter.get() for _ in procs]
    total, writers_cpu = sum(c[0] for c in counts), sum(c[1] for c in counts)
    for p in procs:
        p.join()
    # Let the running sequencer catch up (the cluster-wide horizon may be held by other databases).
    deadline = time.time() + 300
    while time.time() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM eventlog_sequenced")
            if cursor.fetchone()[0] >= total:
                break
        time.sleep(0.2)
    stop.set()
    sequencer_cpu = seq_cpu.get()
    seq.join()
    other_longest, other_p99 = other.get()
    sampler.join()
    sequence_pending()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY s.sequenced_at - e.occurred_at), "
            "count(*) FROM eventlog_sequenced s JOIN eventlog_event e ON e.id = s.event_id "
            "WHERE e.type = %s", [event_type(atomic)])
        (p50, p99), sequenced = cursor.fetchone()
    return dict(rate=total / seconds, p50=p50 / 1000, p99=p99 / 1000, sequenced=sequenced, total=total,
                other_longest=other_longest, other_p99=other_p99,
                writer_cpu_us=writers_cpu / total * 1e6, sequencer_cpu_us=sequencer_cpu / total * 1e6)


def build_fixture(size, chunk=100_000):
    """`size` events and their positions with real hashes, written with COPY."""
    from django.db import connection

    from coop.eventlog.leaves import GENESIS, chain_next, leaf_of, payload_hash

    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM eventlog_event")
        next_id = cursor.fetchone()[0] + 1
        cursor.execute("SELECT s.position, s.chain_hash FROM eventlog_sequenced s ORDER BY position DESC LIMIT 1")
        row = cursor.fetchone()
    position, chain = (row[0], bytes(row[1])) if row else (0, GENESIS)
    raw = connection.connection
    now = time.time_ns() // 1000
    salt = bytes(range(16))
    made = 0
    while made < size:
        n = min(chunk, size - made)
        events, sequenced = [], []
        for i in range(n):
            event_id = next_id + made + i
            payload = b'{"actor":%d,"n":%d}' % (event_id % 5000, event_id)
            position += 1
            occurred = now + event_id
            subject_id = str(event_id)
            leaf = leaf_of(position=position, time=occurred, coop=None, type="bench.bulk", subject_type="bench.thing",
                           subject_id=subject_id, payload_hash_hex=payload_hash(salt, payload).hex())
            chain = chain_next(chain, leaf)
            events.append((event_id, "bench.bulk", "bench.thing", subject_id, payload, salt, occurred))
            sequenced.append((position, event_id, leaf, chain, occurred))
        with raw.cursor() as cursor:
            with cursor.copy("COPY eventlog_event (id, type, subject_type, subject_id, payload, salt, occurred_at) "
                             "FROM STDIN") as copy:
                for r in events:
                    copy.write_row(r)
            with cursor.copy("COPY eventlog_sequenced (position, event_id, leaf_hash, chain_hash, sequenced_at) "
                             "FROM STDIN") as copy:
                for r in sequenced:
                    copy.write_row(r)
        raw.commit()
        made += n
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('eventlog_event', 'id'), %s)", [next_id + size])
        cursor.execute("ANALYZE eventlog_event")
        cursor.execute("ANALYZE eventlog_sequenced")
    return position


def main():
    from scripts.ensure_db import ensure_database

    ensure_database()  # a fresh machine: create the database named in DATABASE_URL
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--verify-size", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="leave the events in the database")
    args = parser.parse_args()
    django_setup()
    from django.conf import settings
    from django.core.management import call_command

    if not settings.DATABASE_IS_POSTGRES:
        sys.exit("Run it on PostgreSQL: DATABASE_URL=postgres://...")
    if not settings.EVENTLOG_SIGNING_KEY and not settings.EVENTLOG_DEV_KEY_FILE:
        settings.EVENTLOG_SIGNING_KEY = "42" * 32
    call_command("migrate", verbosity=0)
    empty_log()

    print(f"(a) pgbench baseline: {args.writers} clients, single-row INSERT, {args.seconds} s ...", flush=True)
    baseline = pgbench(args.seconds, args.writers)
    print(f"    pgbench: {baseline:,.0f} inserts/s")
    print(f"    event_record: {args.writers} processes, each event its own one-statement transaction (as each "
          f"pgbench insert), sequencer running ...", flush=True)
    run = record_under_load(args.seconds, args.writers, False)
    rate, p50, p99, sequenced, total = run["rate"], run["p50"], run["p99"], run["sequenced"], run["total"]
    other_longest, other_p99 = run["other_longest"], run["other_p99"]
    assert sequenced == total, (sequenced, total)
    ratio = rate / baseline
    print(f"    event_record: {rate:,.0f} events/s = {ratio:.2f} x pgbench (goal >= 0.5); client CPU per event: "
          f"writers {run['writer_cpu_us']:.0f} us, sequencer {run['sequencer_cpu_us']:.0f} us")
    print(f"(b) sequencer lag (commit to position) over {sequenced:,} events: p50 {p50:.0f} ms, p99 {p99:.0f} ms "
          f"(goal p99 < 1000 ms)")
    print(f"    meanwhile, transactions of other databases in the cluster (other test runs) were open up to "
          f"{other_longest:.1f} s (p99 of samples {other_p99:.1f} s); the sequencer's horizon ignores them")
    print("(a') the same inside transaction.atomic(), as a service records it (BEGIN, INSERT, COMMIT) ...", flush=True)
    baseline_tx = pgbench(args.seconds, args.writers, BASELINE_SCRIPT_TX)
    print(f"    pgbench BEGIN; INSERT; COMMIT: {baseline_tx:,.0f}/s")
    run_tx = record_under_load(args.seconds, args.writers, True)
    rate_tx, p50_tx, p99_tx = run_tx["rate"], run_tx["p50"], run_tx["p99"]
    assert run_tx["sequenced"] == run_tx["total"], run_tx
    print(f"    event_record in atomic(): {rate_tx:,.0f} events/s = {rate_tx / baseline_tx:.2f} x pgbench "
          f"BEGIN/INSERT/COMMIT; sequencer lag p50 {p50_tx:.0f} ms, p99 {p99_tx:.0f} ms")

    from django.db import connection

    connection.close()
    print(f"(c) building {args.verify_size:,} events with COPY ...", flush=True)
    started = time.perf_counter()
    head = build_fixture(args.verify_size)
    print(f"    built in {time.perf_counter() - started:.1f} s; signing a checkpoint ...", flush=True)
    from coop.eventlog.checkpoints import checkpoint_sign
    from coop.eventlog.verify import verify_log

    started = time.perf_counter()
    checkpoint = checkpoint_sign()
    sign_seconds = time.perf_counter() - started
    print(f"    checkpoint of size {checkpoint.size} signed in {sign_seconds:.1f} s")
    import resource

    def cpu():
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    started, cpu_started = time.perf_counter(), cpu()
    result = verify_log()
    seconds, cpu_seconds = time.perf_counter() - started, cpu() - cpu_started
    assert result.ok and result.size == head, result.problems[:3]
    verify_rate = result.size / seconds
    print(f"    verify_events: {result.size:,} events and {result.checkpoints} checkpoint(s) in {seconds:.1f} s = "
          f"{verify_rate:,.0f} events/s (goal >= 200,000)")
    print(f"    client CPU {cpu_seconds:.1f} s = {result.size / cpu_seconds:,.0f} events per CPU-second "
          f"(independent of how busy the machine is; PostgreSQL's own CPU not counted)")
    if not args.keep:
        empty_log()
    print(json.dumps({
        "pgbench_inserts_per_s": round(baseline), "event_record_per_s": round(rate), "ratio": round(ratio, 3),
        "pgbench_begin_insert_commit_per_s": round(baseline_tx), "event_record_in_atomic_per_s": round(rate_tx),
        "ratio_in_atomic": round(rate_tx / baseline_tx, 3), "sequencer_lag_in_atomic_p99_ms": round(p99_tx, 1),
        "writer_cpu_us_per_event": round(run["writer_cpu_us"]),
        "sequencer_cpu_us_per_event": round(run["sequencer_cpu_us"]),
        "writers": args.writers, "seconds": args.seconds, "sequencer_lag_p50_ms": round(p50, 1),
        "sequencer_lag_p99_ms": round(p99, 1), "other_db_xact_open_max_s": round(other_longest, 1),
        "load_average_1m": round(os.getloadavg()[0], 1), "verify_events": result.size,
        "verify_events_per_s": round(verify_rate),
        "verify_events_per_cpu_s": round(result.size / cpu_seconds), "checkpoint_sign_s": round(sign_seconds, 2),
    }))


if __name__ == "__main__":
    main()
