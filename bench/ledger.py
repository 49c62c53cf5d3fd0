"""Benchmark: escrow releases against pgbench TPC-B, in the same run, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atelier_ledger .venv/bin/python bench/ledger.py

1. Baseline: `pgbench -i -s 4` then TPC-B-like with 4 clients for --seconds.
2. `escrow_release` (escrow, member wallet, split treasury, federation fee and juror fund:
   five accounts, one transaction, one event) from 4 processes, every release paying into
   ONE coop (so the shared accounts would serialise them if they were not split), on
   projects and members picked at random.
3. The same through the ORM posting path (`--orm-too`), for the record.
4. Balance reads by primary key: idle, and while releases run.
Prints tx/s, p50/p99 latency, the ratio to the baseline; the last line is one JSON object.
"""

import argparse
import json
import multiprocessing as mp
import os
import random
import re
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coop.settings")

from bench.common import django_setup, pg_args  # noqa: E402


@dataclass
class Project:
    pk: int
    coop_id: int
    organisation_id: int


def psql(sql):
    subprocess.run(["psql", "-q", *pg_args()[:-1], "-d", pg_args()[-1], "-c", sql], check=True, capture_output=True)


def pgbench_init(clients):
    subprocess.run(["pgbench", "-i", "-q", "-s", str(clients), *pg_args()], check=True, capture_output=True)


def pgbench_drop():
    subprocess.run(["pgbench", "-i", "-I", "d", *pg_args()], check=True, capture_output=True)


def pgbench(seconds, clients):
    psql("CHECKPOINT")  # both phases start from the same clean state
    out = subprocess.run(["pgbench", "-n", "-c", str(clients), "-j", str(min(clients, 2)), "-T", str(seconds),
                          *pg_args()], check=True, capture_output=True, text=True).stdout
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
    latency = float(re.search(r"latency average = ([\d.]+) ms", out).group(1))
    return {"tps": round(tps, 1), "latency_avg_ms": latency}


def setup(n_projects, n_members):
    """One coop, one funded organisation, projects with large escrows, members."""
    from django.core.management import call_command
    from django.db import transaction

    from accounts.models import Organisation, User
    from coop.federation import services as fed
    from coop.federation.models import Coop, Membership
    from ledger import services

    call_command("migrate", verbosity=0)
    run = uuid.uuid4().hex[:8]
    with transaction.atomic():
        fed.federation_setup(name="Bench", currency="USD")
        operator = User.objects.filter(email="bench-operator@atelier.example").first() or \
            User.objects.create_superuser(email="bench-operator@atelier.example", password=None)
        coop = Coop.objects.filter(slug="bench").first() or fed.coop_create(operator=operator, name="Bench coop",
                                                                             slug="bench")
        org = Organisation.objects.create(name=f"Bench lab {run}", slug=f"bench-{run}")
        members = []
        for i in range(n_members):
            user = User.objects.create_user(email=f"bench-{run}-{i}@atelier.example", password=None)
            Membership.objects.create(user=user, coop=coop, status=Membership.Status.ACTIVE)
            members.append(user.pk)
    per_project = 10**9
    services.deposit_record(operator=operator, organisation=org, amount=per_project * n_projects, reference=run)
    base = int(time.time() * 1000) * 1000
    projects = []
    for i in range(n_projects):
        project = Project(pk=base + i, coop_id=coop.pk, organisation_id=org.pk)
        services.escrow_hold(project=project, amount=per_project, key=f"bench:{run}:project:{project.pk}:hold")
        projects.append(project.pk)
    return {"run": run, "coop": coop.pk, "org": org.pk, "projects": projects, "members": members}


def release_worker(worker, ctx, seconds, orm, start_at, queue):
    from django.db import connections

    connections.close_all()
    from accounts.models import User
    from ledger import posting, services

    if orm:
        posting.is_postgres = lambda: False
    rng = random.Random(worker)
    users = [User(pk=pk) for pk in ctx["members"]]
    latencies = []
    while time.time() < start_at:
        time.sleep(0.001)
    end = start_at + seconds
    n = 0
    while time.time() < end:
        project = Project(pk=rng.choice(ctx["projects"]), coop_id=ctx["coop"], organisation_id=ctx["org"])
        # a fresh key per call: every call moves money (no replays)
        key = f"bench:{ctx['run']}:{'orm' if orm else 'fn'}:{start_at}:{worker}:{n}:release"
        t0 = time.perf_counter()
        services.escrow_release(project=project, user=rng.choice(users), reward=1000, fee_coop=35,
                                fee_federation=10, fee_juror=5, key=key)
        latencies.append(time.perf_counter() - t0)
        n += 1
    connections.close_all()
    queue.put(latencies)


def read_worker(ctx, seconds, start_at, queue, rate=50):
    from django.db import connections

    connections.close_all()
    from accounts.models import User
    from ledger.selectors import wallet_balance

    users = [User(pk=pk) for pk in ctx["members"]]
    rng = random.Random(99)
    latencies = []
    while time.time() < start_at:
        time.sleep(0.001)
    end = start_at + seconds
    while time.time() < end:
        t0 = time.perf_counter()
        wallet_balance(user=rng.choice(users))
        latencies.append(time.perf_counter() - t0)
        time.sleep(max(0.0, 1 / rate - (time.perf_counter() - t0)))
    connections.close_all()
    queue.put(latencies)


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))] * 1000


def releases(ctx, seconds, clients, orm, with_reads):
    from django.db import connections

    psql("CHECKPOINT")
    connections.close_all()
    fork = mp.get_context("fork")
    queue, reads_queue = fork.Queue(), fork.Queue()
    start_at = time.time() + 1.0
    procs = [fork.Process(target=release_worker, args=(w, ctx, seconds, orm, start_at, queue)) for w in range(clients)]
    if with_reads:
        procs.append(fork.Process(target=read_worker, args=(ctx, seconds, start_at, reads_queue)))
    for p in procs:
        p.start()
    latencies = []
    for _ in range(clients):
        latencies += queue.get()
    reads = reads_queue.get() if with_reads else []
    for p in procs:
        p.join()
    result = {"tps": round(len(latencies) / seconds, 1), "p50_ms": round(pct(latencies, 50), 2),
              "p99_ms": round(pct(latencies, 99), 2), "count": len(latencies)}
    if with_reads:
        result["balance_read_under_load_p99_ms"] = round(pct(reads, 99), 2)
    return result


def idle_reads(ctx, n=2000):
    from accounts.models import User
    from ledger.selectors import wallet_balance

    users = [User(pk=pk) for pk in ctx["members"]]
    latencies = []
    for i in range(n):
        t0 = time.perf_counter()
        wallet_balance(user=users[i % len(users)])
        latencies.append(time.perf_counter() - t0)
    return {"p50_ms": round(pct(latencies, 50), 3), "p99_ms": round(pct(latencies, 99), 3)}


def check(ctx):
    """After the run: every balance equals its postings, nothing negative."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("""SELECT count(*) FROM ledger_balance b LEFT JOIN
                          (SELECT account_id, sum(amount) s FROM ledger_posting GROUP BY account_id) p
                          ON p.account_id = b.account_id WHERE b.amount <> coalesce(p.s, 0)""")
        mismatched = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM ledger_balance WHERE amount < 0 AND NOT allow_negative")
        negative = cursor.fetchone()[0]
    return {"balances_mismatched": mismatched, "negative_balances": negative}


def median_of(runs, key):
    return round(statistics.median(r[key] for r in runs), 2)


def main():
    from scripts.ensure_db import ensure_database

    ensure_database()  # a fresh machine: create the database named in DATABASE_URL
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3, help="alternate baseline and releases this many times")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--projects", type=int, default=64)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--orm-too", action="store_true", help="also measure the ORM posting path on PostgreSQL")
    args = parser.parse_args()
    if "postgres" not in os.environ.get("DATABASE_URL", ""):
        sys.exit("Set DATABASE_URL to a PostgreSQL database: this benchmark measures PostgreSQL.")
    django_setup()
    ctx = setup(args.projects, args.members)
    # The machine is shared: alternate baseline and releases and take the median ratio.
    pgbench_init(args.clients)
    rounds = []
    for n in range(1, args.rounds + 1):
        base = pgbench(args.seconds, args.clients)
        fn = releases(ctx, args.seconds, args.clients, orm=False, with_reads=True)
        fn["ratio"] = round(fn["tps"] / base["tps"], 2)
        row = {"baseline_tps": base["tps"], **fn}
        if args.orm_too:
            orm = releases(ctx, args.seconds, args.clients, orm=True, with_reads=False)
            row["orm_tps"], row["orm_ratio"] = orm["tps"], round(orm["tps"] / base["tps"], 2)
            row["orm_p50_ms"], row["orm_p99_ms"] = orm["p50_ms"], orm["p99_ms"]
        rounds.append(row)
        print(f"round {n}: pgbench TPC-B {args.clients} clients {base['tps']} tx/s | escrow_release "
              f"{fn['tps']} tx/s p50 {fn['p50_ms']} ms p99 {fn['p99_ms']} ms ratio {fn['ratio']}x | balance read "
              f"p99 under load {fn['balance_read_under_load_p99_ms']} ms"
              + (f" | ORM path {row['orm_tps']} tx/s ratio {row['orm_ratio']}x" if args.orm_too else ""),
              flush=True)
    pgbench_drop()
    reads = idle_reads(ctx)
    result = {
        "clients": args.clients, "seconds": args.seconds, "rounds": len(rounds), "one_coop": True,
        "baseline_pgbench_tpcb_tps": median_of(rounds, "baseline_tps"),
        "escrow_release_tps": median_of(rounds, "tps"),
        "escrow_release_p50_ms": median_of(rounds, "p50_ms"),
        "escrow_release_p99_ms": median_of(rounds, "p99_ms"),
        "ratio": median_of(rounds, "ratio"),
        "balance_read_idle_p50_ms": reads["p50_ms"], "balance_read_idle_p99_ms": reads["p99_ms"],
        "balance_read_under_load_p99_ms": median_of(rounds, "balance_read_under_load_p99_ms"),
    }
    if args.orm_too:
        result["orm_path_tps"] = median_of(rounds, "orm_tps")
        result["orm_path_ratio"] = median_of(rounds, "orm_ratio")
    result["check"] = check(ctx)
    result["goal_ratio_met"] = result["ratio"] >= 0.5
    result["goal_read_p99_met"] = reads["p99_ms"] < 5
    print(f"median ratio {result['ratio']}x (goal >= 0.5); balance read p99 idle {reads['p99_ms']} ms, "
          f"under load {result['balance_read_under_load_p99_ms']} ms (goal < 5); check {result['check']}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
