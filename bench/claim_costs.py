"""Benchmark: what one claim + submission costs PostgreSQL (issue 18, session 9).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atelier_costs .venv/bin/python bench/claim_costs.py

1. Server CPU per statement. In one process, --warm claim + submit pairs (so the project has a
   history of submissions for the floor check to read, and the driver has prepared its
   statements), then --pairs pairs with `log_statement_stats` on for this session only: PostgreSQL
   reports the CPU of each message it ran (parse, bind, execute) to the client, which adds the
   claim's and the submission's up. Client CPU and wall time per pair come from the same loop.
   Needs a superuser (the setting is one), as on the machine's development PostgreSQL.
2. WAL per pair. A new batch claimed and submitted to the end by --procs processes (as
   bench/marketplace.py claims), after a CHECKPOINT and a reset of `pg_stat_wal`: WAL records,
   full-page images and bytes per pair, and how many commits each WAL flush carried. Other
   databases' traffic in the cluster counts too: run it on a quiet machine.
The last line is one JSON object."""

import json
import os
import re
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coop.settings")

from bench.common import django_setup  # noqa: E402

STATS = re.compile(r"^!\t([\d.]+) s user, ([\d.]+) s system", re.M)


def server_cpu(args, project, users):
    from django.db import connection

    from tasks.services import assignment_claim, assignment_submit

    def pair(user):
        assignment = assignment_claim(member=user, project=project)
        assignment_submit(member=user, assignment=assignment, answers={"label": "yes"})

    for user in users[:args.warm]:
        pair(user)
    connection.ensure_connection()
    messages = []
    connection.connection.add_notice_handler(lambda d: messages.append(d.message_detail or ""))
    with connection.cursor() as cursor:
        cursor.execute("SET log_statement_stats = on")
        cursor.execute("SET client_min_messages = log")

    def cpu():
        seconds = sum(float(user) + float(system) for m in messages for user, system in STATS.findall(m))
        messages.clear()
        return seconds

    claim = submit = 0.0
    measured = users[args.warm:args.warm + args.pairs]
    began, client = time.perf_counter(), time.process_time()
    for user in measured:
        cpu()
        assignment = assignment_claim(member=user, project=project)
        claim += cpu()
        assignment_submit(member=user, assignment=assignment, answers={"label": "yes"})
        submit += cpu()
    n = len(measured)
    result = {"server_cpu_claim_ms": round(claim * 1000 / n, 3), "server_cpu_submit_ms": round(submit * 1000 / n, 3),
              "client_cpu_pair_ms": round((time.process_time() - client) * 1000 / n, 3),
              "wall_pair_ms": round((time.perf_counter() - began) * 1000 / n, 3)}
    with connection.cursor() as cursor:
        cursor.execute("RESET log_statement_stats")
        cursor.execute("RESET client_min_messages")
    print(f"one process, {n} pairs after {args.warm}: server CPU a claim {result['server_cpu_claim_ms']} ms, a "
          f"submission {result['server_cpu_submit_ms']} ms; client CPU {result['client_cpu_pair_ms']} ms and wall "
          f"{result['wall_pair_ms']} ms a pair", flush=True)
    return result


def wal_per_pair(args, project_factory, ids):
    from django.db import connection

    from bench.marketplace import run_pool

    batch = project_factory(args.tasks, "WAL batch")
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")
        cursor.execute("SELECT pg_stat_reset_shared('wal')")
    began = time.perf_counter()
    results = run_pool(args.procs, [(ids[i::args.procs], batch.pk) for i in range(args.procs)])
    wall = time.perf_counter() - began
    n = sum(len(r[0]) for r in results)
    with connection.cursor() as cursor:
        cursor.execute("SELECT wal_records, wal_fpi, wal_bytes, wal_sync FROM pg_stat_wal")
        records, fpi, size, syncs = cursor.fetchone()
    result = {"pairs": n, "pairs_per_s": round(n / wall, 1), "wal_records_per_pair": round(records / n, 1),
              "wal_fpi_per_pair": round(fpi / n, 2), "wal_bytes_per_pair": int(size) // n,
              "commits_per_wal_sync": round(2 * n / max(1, syncs), 2)}
    print(f"{args.procs} processes, {n} pairs at {result['pairs_per_s']}/s: {result['wal_records_per_pair']} WAL "
          f"records, {result['wal_fpi_per_pair']} full-page images, {result['wal_bytes_per_pair']} bytes a pair; "
          f"{result['commits_per_wal_sync']} commits a WAL flush", flush=True)
    return result


def main():
    import argparse

    from scripts.ensure_db import ensure_database

    ensure_database()
    parser = argparse.ArgumentParser()
    parser.add_argument("--warm", type=int, default=300, help="pairs before measuring (the floor check's history)")
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--tasks", type=int, default=4000, help="the WAL batch")
    parser.add_argument("--members", type=int, default=400)
    parser.add_argument("--procs", type=int, default=4)
    args = parser.parse_args()
    django_setup()
    from django.conf import settings

    if not settings.DATABASE_IS_POSTGRES:
        sys.exit("Run this on PostgreSQL (set DATABASE_URL).")
    from accounts.models import User
    from bench.marketplace import make_world

    tag = uuid.uuid4().hex[:8]
    _coop, _org, _owner, users, project = make_world(10, args.members, tag)
    batch = project(args.warm + args.pairs, "CPU batch")
    users = list(User.objects.filter(pk__in=[u.pk for u in users]).order_by("pk"))
    if len(users) < args.warm + args.pairs:
        sys.exit("--members must be at least --warm + --pairs (one task each).")
    result = {**server_cpu(args, batch, users), **wal_per_pair(args, project, [u.pk for u in users])}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
