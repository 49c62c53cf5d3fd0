"""Where one claim and one submission over HTTP spend their time (issue 18, the busy hour): the
member API's two requests as the batch opening's Locust members send them (a session cookie,
the CSRF double-submit token, JSON), through Django's whole middleware and DRF stack, in ONE
process (Django's test client: the same handler the ASGI server runs, without the socket).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atelier_x REDIS_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python bench/member_requests.py [--pairs 200 --members 200 --profile 40]

A coop (fair share, as the batch opening's first run) with --members members and a published
project of 5 × --pairs single-slot tasks. The members claim and submit in turn: --pairs pairs to
warm the process (the driver prepares a statement run five times on a connection), --pairs
counted (CPU a request with `time.process_time`, PostgreSQL round trips, Redis commands), then
--profile pairs under cProfile (by CPU, printed on stderr). The last line is one JSON object."""

import argparse
import json
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coop.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SESSION_COOKIE_SECURE", "false")
os.environ.setdefault("CSRF_COOKIE_SECURE", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")

from bench.common import django_setup  # noqa: E402

CSRF = "b" * 32


def redis_counter():
    """Count the round trips to Redis (the throttles' gets and sets): each command, and each
    pipeline sent at once."""
    from redis.client import Pipeline, Redis

    counts = {"commands": 0}
    execute, pipeline = Redis.execute_command, Pipeline.execute

    def counted(self, *args, **kwargs):
        counts["commands"] += 1
        return execute(self, *args, **kwargs)

    def counted_pipeline(self, *args, **kwargs):
        counts["commands"] += 1
        return pipeline(self, *args, **kwargs)

    Redis.execute_command = counted
    Pipeline.execute = counted_pipeline
    return counts


def main():
    from scripts.ensure_db import ensure_database

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--profile", type=int, default=40)
    parser.add_argument("--top", type=int, default=45)
    args = parser.parse_args()
    if "postgres" not in os.environ.get("DATABASE_URL", "") or not os.environ.get("REDIS_URL"):
        sys.exit("Run on PostgreSQL with Redis: set DATABASE_URL (postgres://...) and REDIS_URL.")
    ensure_database()
    django_setup()
    import cProfile
    import pstats

    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from bench.batch_opening import make_world
    from bench.marketplace import round_trip_counter
    from tasks.models import Project
    from tasks.services import project_publish

    call_command("migrate", verbosity=0)
    settings.ALLOWED_HOSTS = ["*"]
    total = 2 * args.pairs + args.profile
    world = make_world(policy="fair_share", members=args.members, tasks=5 * total, tag=uuid.uuid4().hex[:6])
    project = Project.objects.get(pk=world["project"])
    project_publish(actor=project.created_by, project=project)
    clients = []
    for key in world["cookies"]:
        client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
        client.cookies["sessionid"] = key
        client.cookies["csrftoken"] = CSRF
        clients.append(client)
    pg, redis = round_trip_counter(), redis_counter()
    claim_path = f"/api/projects/{project.pk}/claim/"
    body = json.dumps({"answers": {"label": "yes"}})
    tally = {}

    def count(name, before_pg, before_redis, cpu):
        tally.setdefault(name, {"n": 0, "cpu": 0.0, "pg": 0, "redis": 0})
        row = tally[name]
        row["n"] += 1
        row["cpu"] += time.process_time() - cpu
        row["pg"] += pg["statements"] + pg["commands"] - before_pg
        row["redis"] += redis["commands"] - before_redis

    def pair(i):
        client = clients[i % len(clients)]
        before_pg, before_redis, cpu = pg["statements"] + pg["commands"], redis["commands"], time.process_time()
        r = client.post(claim_path, content_type="application/json", HTTP_X_CSRFTOKEN=CSRF)
        count("claim", before_pg, before_redis, cpu)
        if r.status_code != 201:
            raise SystemExit(f"claim {r.status_code} {r.content[:300]!r}")
        before_pg, before_redis, cpu = pg["statements"] + pg["commands"], redis["commands"], time.process_time()
        r = client.post(f"/api/work/assignments/{r.json()['id']}/submit/", data=body, content_type="application/json",
                        HTTP_X_CSRFTOKEN=CSRF)
        count("submit", before_pg, before_redis, cpu)
        if r.status_code != 200:
            raise SystemExit(f"submit {r.status_code} {r.content[:300]!r}")

    for i in range(args.pairs):
        pair(i)
    tally.clear()
    for i in range(args.pairs, 2 * args.pairs):
        pair(i)
    per = {name: {"cpu_ms": round(row["cpu"] * 1000 / row["n"], 2), "pg_round_trips": round(row["pg"] / row["n"], 2),
                  "redis_commands": round(row["redis"] / row["n"], 2)} for name, row in tally.items()}
    for name, row in per.items():
        print(f"{name}: CPU {row['cpu_ms']} ms a request, {row['pg_round_trips']} PostgreSQL round trips, "
              f"{row['redis_commands']} Redis round trips", flush=True)
    if args.profile:
        profile = cProfile.Profile(time.process_time)
        profile.enable()
        for i in range(2 * args.pairs, 2 * args.pairs + args.profile):
            pair(i)
        profile.disable()
        stats = pstats.Stats(profile, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
    print(json.dumps({"bench": "member_requests", "pairs": args.pairs, "members": args.members,
                      "load_average": round(os.getloadavg()[0], 1), **per}))


if __name__ == "__main__":
    main()
