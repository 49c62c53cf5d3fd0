"""Benchmark: the bank (tests/reliability/bank.py) for long, under faults.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atelier .venv/bin/python bench/bank.py \\
        --ops 200000 --procs 2 --workers 3 --seed 24

Runs on its own database, `<name of DATABASE_URL>_bank`, dropped and created fresh (the
invariants are about the whole ledger). `--procs` processes of `--workers` threads each run
the random mix of money-moving services, with Idempotency-Keys, same-key replays and races;
the parent process runs the sequencer loop and terminates a random backend every
--fault-min..--fault-max seconds. Then every invariant of the books is checked.

Baseline, in the same run and on the same database: the same workload for
--baseline-seconds without faults. The ratio is ops/s under faults ÷ ops/s without.
Prints progress every 30 s, then the figures, every invariant (OK/FAIL) and, last, one JSON
line. Exit status 1 if an invariant fails."""

import argparse
import json
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coop.settings")
TEST_KEY = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"  # RFC 8032 test 1


def fresh_database():
    """Point DATABASE_URL at `<name>_bank`, dropped and created anew."""
    import environ
    import psycopg

    url = os.environ.get("DATABASE_URL", "")
    if "postgres" not in url:
        sys.exit("bench/bank.py needs PostgreSQL: set DATABASE_URL=postgres://...")
    cfg = environ.Env.db_url_config(url)
    name = cfg["NAME"] + "_bank"
    conninfo = {k: v for k, v in dict(host=cfg.get("HOST") or "127.0.0.1", port=cfg.get("PORT") or 5432,
                                      user=cfg.get("USER") or "postgres", password=cfg.get("PASSWORD") or None,
                                      dbname="postgres", autocommit=True).items() if v is not None}
    with psycopg.connect(**conninfo) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name
    return name


def setup():
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.DEBUG = False
    # The bank's users never log in (the API client authenticates them directly): the
    # production hasher (PBKDF2, ~0.4 s a user here) only cost the world's build 20 s.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.test.utils import setup_test_environment
    from django_q.conf import Conf

    setup_test_environment()  # the workers use Django's test client for the API (host "testserver")
    from tests.reliability.bank import unthrottled

    unthrottled(settings)
    Conf.SYNC = True  # jobs queued on commit run inline, as in the tests
    if not settings.EVENTLOG_SIGNING_KEY:
        settings.EVENTLOG_SIGNING_KEY = TEST_KEY  # a throwaway database: any key will do
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


def _child(world, seed, workers, first, ops, seconds, queue):
    from tests.reliability.bank import Tracker, run_workers, tracker_state

    tracker = Tracker(key_limit=100_000)
    last = [time.monotonic()]

    def progress(t, elapsed):
        if time.monotonic() - last[0] >= 60:
            last[0] = time.monotonic()
            print(f"  workers {first}+: {t.done} operations in {elapsed:,.0f} s ({t.done / elapsed:,.1f}/s), "
                  f"{t.lost} lost connections retried, {len(t.errors)} errors, {len(t.violations)} violations",
                  flush=True)

    try:
        run_workers(world, tracker, seed=seed, workers=workers, first=first, ops=ops, seconds=seconds,
                    progress=progress)
    finally:
        queue.put(tracker_state(tracker))


def run(world, tracker, *, seed, procs, workers, ops, seconds, first, label, fault_interval):
    """Run procs × workers workers; fold what they did into `tracker`. Returns the elapsed seconds.

    The children are forked before this process starts its sequencer and fault threads: a
    fork while another thread holds a lock (logging's, the driver's) can hang the child."""
    from django.db import connections

    from tests.reliability.bank import faults_and_sequencer, tracker_merge

    connections.close_all()  # children must not share the parent's connection
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    children = [ctx.Process(target=_child, args=(world, seed, workers, first + p * workers,
                                                 -(-ops // procs) if ops else None, seconds, queue))
                for p in range(procs)]
    started = time.monotonic()
    for child in children:
        child.start()
    with faults_and_sequencer(tracker, seed=seed, fault_interval=fault_interval):
        states = _collect(children, queue, tracker, started, label)
    for state in states:
        tracker_merge(tracker, state)
    if len(states) < procs:
        tracker.errors.append(f"{procs - len(states)} worker process(es) died without reporting")
    return time.monotonic() - started


def _collect(children, queue, tracker, started, label):
    states, last = [], started
    while len(states) < len(children):
        try:
            states.append(queue.get(timeout=5))
        except Exception:  # noqa: BLE001 - queue.Empty: print progress and keep waiting
            if all(not c.is_alive() for c in children) and queue.empty():
                break
        if time.monotonic() - last >= 30:
            last = time.monotonic()
            print(f"[{label}] {time.monotonic() - started:,.0f} s, {tracker.faults} faults so far, "
                  f"{len(states)} of {len(children)} processes done", flush=True)
    for child in children:
        child.join(60)
    return states


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=None, help="stop after this long even if --ops not reached")
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--workers", type=int, default=3, help="threads per process")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--fault-min", type=float, default=0.5)
    parser.add_argument("--fault-max", type=float, default=2.0)
    parser.add_argument("--baseline-seconds", type=float, default=30)
    parser.add_argument("--members", type=int, default=40)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "big")
    name = fresh_database()
    setup()
    from tests.reliability.bank import Report, Tracker, invariants, world_build

    print(f"bank bench: database {name}, seed {seed}, {args.procs} processes × {args.workers} threads", flush=True)
    world = world_build(tag=f"b{seed}", members=args.members, orgs=4, projects=6)

    baseline = Tracker()
    base_s = run(world, baseline, seed=seed, procs=args.procs, workers=args.workers, ops=None,
                 seconds=args.baseline_seconds, first=0, label="baseline", fault_interval=None)
    base_rate = baseline.done / base_s if base_s else 0
    print(f"baseline without faults: {baseline.done} operations in {base_s:.1f} s ({base_rate:,.1f} ops/s)",
          flush=True)

    tracker = Tracker()
    elapsed = run(world, tracker, seed=seed + 1, procs=args.procs, workers=args.workers, ops=args.ops,
                  seconds=args.seconds, first=1000, label="faults", fault_interval=(args.fault_min, args.fault_max))
    # One tracker for the checks: the baseline's successes count toward the rows they made.
    for name_ in ("succeeded", "unknown"):
        getattr(tracker, name_).update(getattr(baseline, name_))
    tracker.errors.extend(baseline.errors)
    tracker.violations.extend(baseline.violations)
    tracker.surfaced.update(baseline.surfaced)
    checks = invariants(world, tracker)
    report = Report(seed=seed, seconds=elapsed, ops=tracker.done, tracker=tracker, checks=checks)
    rate = tracker.done / elapsed if elapsed else 0
    for line in report.lines():
        print(line)
    print(f"ratio: {rate:,.1f} ops/s under faults ÷ {base_rate:,.1f} ops/s without = "
          f"{rate / base_rate if base_rate else 0:.2f}×")
    print(json.dumps({"bench": "bank", "seed": seed, "procs": args.procs, "workers": args.workers,
                      "ops": tracker.done, "seconds": round(elapsed, 1), "ops_per_s": round(rate, 1),
                      "baseline_ops_per_s": round(base_rate, 1), "ratio": round(rate / base_rate, 3) if base_rate
                      else None, "faults": tracker.faults, "lost_connections_retried": tracker.lost,
                      "surfaced": sum(tracker.surfaced.values()), "errors": len(tracker.errors),
                      "invariants": {n: ok for n, ok, _d in checks}, "ok": report.ok}))
    sys.exit(0 if report.ok else 1)


if __name__ == "__main__":
    main()
