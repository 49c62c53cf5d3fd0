"""Benchmark: claiming and the task feed, against plain indexed SELECTs in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atelier_market .venv/bin/python bench/marketplace.py

1. A published batch of --tasks tasks (one slot each) in a fresh coop of --members members.
   --procs processes share the members; each member claims and submits until no slot is
   free (`assignment_claim` + `assignment_submit`: membership lock, eligibility, fair share,
   SKIP LOCKED slot, event). Claims/s and claim latency p50/p99.
   Baseline: the same processes run the claim's plain indexed read
   (`SELECT id FROM tasks_slot WHERE project_id = … AND status = 'open' ORDER BY id LIMIT 1`)
   as many times: reads/s and p99. Ratio = claims/s ÷ reads/s.
2. The task feed page (`GET /work/`, a logged-in member, through Django's test client) with
   --feed-open open tasks in the coop's open projects: p50/p95 over --feed-requests requests.
   Baseline: a plain indexed SELECT of the same project rows. Ratio = feed p95 ÷ SELECT p95.
The data stays in the database (a new coop per run). The last line is one JSON object.
"""

import argparse
import json
import multiprocessing as mp
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coop.settings")


def django_setup():
    import django

    django.setup()


def pct(values, p):
    values = sorted(values)
    if not values:
        return 0.0
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def make_world(tasks, members, tag):
    from django.core.management import call_command

    from accounts.models import Organisation, OrganisationStaff, TermsAcceptance, TermsVersion, User
    from coop.federation.models import Membership
    from coop.federation.services import coop_create, federation_setup
    from ledger.services import deposit_record
    from tasks.services import project_create, project_publish, tasks_add

    call_command("migrate", verbosity=0)
    federation_setup(name="Bench federation", currency="USD")
    operator = User.objects.filter(is_staff=True).first() or User.objects.create_superuser(
        email=f"op-{tag}@bench.example", password="x")
    coop = coop_create(operator=operator, name=f"Bench {tag}", slug=f"bench-{tag}",
                       parameters={"max_open_assignments": 50})
    users = User.objects.bulk_create([User(email=f"m{i}-{tag}@bench.example") for i in range(members)])
    Membership.objects.bulk_create([Membership(user=u, coop=coop, status="active") for u in users])
    org = Organisation.objects.create(name=f"Bench lab {tag}", slug=f"bench-lab-{tag}")
    owner = User.objects.create_user(email=f"owner-{tag}@bench.example", password="x")
    OrganisationStaff.objects.create(organisation=org, user=owner, role="owner")
    terms = TermsVersion.objects.order_by("-number").first() or TermsVersion.objects.create(number=1, text="Bench")
    TermsAcceptance.objects.create(organisation=org, version=terms, accepted_by=owner)
    deposit_record(operator=operator, organisation=org, amount=10**12, reference=f"bench-{tag}")
    form = [{"name": "label", "type": "single_choice", "label": "Cat?", "choices": ["yes", "no"],
             "show": {"image": "image_url"}}]

    def project(n, title):
        p = project_create(actor=owner, organisation=org, coop=coop, title=title, category="bench",
                           question_form=form, reward=100, estimated_minutes=2)
        for start in range(0, n, 10_000):
            tasks_add(actor=owner, project=p, rows=[{"image_url": f"https://img.example/{i}.jpg"}
                                                    for i in range(start, min(n, start + 10_000))])
        return project_publish(actor=owner, project=p)

    return coop, org, owner, users, project


def claim_worker(args):
    user_ids, project_id, baseline, count = args
    django_setup()
    from django.db import connection

    from accounts.models import User
    from tasks.errors import FairShareReached, NoFreeSlot
    from tasks.models import Project
    from tasks.services import assignment_claim, assignment_submit

    latencies = []
    if baseline:
        with connection.cursor() as cursor:
            for _ in range(count):
                start = time.perf_counter()
                cursor.execute("SELECT id FROM tasks_slot WHERE project_id = %s AND status = 'open' "
                               "ORDER BY id LIMIT 1", [project_id])
                cursor.fetchone()
                latencies.append(time.perf_counter() - start)
        return latencies, 0
    project = Project.objects.get(pk=project_id)
    users = list(User.objects.filter(pk__in=user_ids))
    active = list(users)
    submitted = 0
    while active:
        still = []
        for user in active:
            start = time.perf_counter()
            try:
                assignment = assignment_claim(member=user, project=project)
            except (NoFreeSlot, FairShareReached):
                continue
            latencies.append(time.perf_counter() - start)
            assignment_submit(member=user, assignment=assignment, answers={"label": "yes"})
            submitted += 1
            still.append(user)
        active = still
    return latencies, submitted


def run_pool(procs, jobs):
    from django.db import connections

    connections.close_all()
    ctx = mp.get_context("fork")
    start = time.perf_counter()
    with ctx.Pool(procs) as pool:
        results = pool.map(claim_worker, jobs)
    return results, time.perf_counter() - start


def main():
    from scripts.ensure_db import ensure_database

    ensure_database()  # a fresh machine: create the database named in DATABASE_URL
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--procs", type=int, default=4)
    parser.add_argument("--feed-open", type=int, default=100_000)
    parser.add_argument("--feed-requests", type=int, default=100)
    args = parser.parse_args()
    django_setup()
    from django.conf import settings

    if not settings.DATABASE_IS_POSTGRES:
        sys.exit("Run this on PostgreSQL (set DATABASE_URL).")
    tag = uuid.uuid4().hex[:8]
    print(f"setting up: {args.tasks} tasks, {args.members} members (coop bench-{tag})", flush=True)
    t0 = time.perf_counter()
    coop, org, owner, users, project = make_world(args.tasks, args.members, tag)
    batch = project(args.tasks, "Claim batch")
    print(f"  set up in {time.perf_counter() - t0:.1f} s", flush=True)

    ids = [u.pk for u in users]
    shares = [ids[i::args.procs] for i in range(args.procs)]
    results, wall = run_pool(args.procs, [(s, batch.pk, False, 0) for s in shares])
    claim_lat = [x for lat, _n in results for x in lat]
    claims = len(claim_lat)
    claims_per_s = claims / wall
    per_proc = max(1, claims // args.procs)
    base_results, base_wall = run_pool(args.procs, [(s, batch.pk, True, per_proc) for s in shares])
    base_lat = [x for lat, _n in base_results for x in lat]
    base_per_s = len(base_lat) / base_wall
    from tasks.models import Assignment

    distinct = Assignment.objects.filter(project=batch).values("slot").distinct().count()
    print(f"claims: {claims} in {wall:.1f} s = {claims_per_s:.0f}/s, p50 {pct(claim_lat, 50) * 1000:.1f} ms, "
          f"p99 {pct(claim_lat, 99) * 1000:.1f} ms (distinct slots {distinct})")
    print(f"baseline indexed SELECT: {base_per_s:.0f}/s, p99 {pct(base_lat, 99) * 1000:.2f} ms; "
          f"ratio claims/select {claims_per_s / base_per_s:.3f}")

    # the feed with many open tasks
    from django.db import connection
    from django.test import Client

    from tasks.models import Slot

    open_now = Slot.objects.filter(project__coop=coop, status="open").count()
    per_project = 10_000
    n = 0
    t0 = time.perf_counter()
    while open_now < args.feed_open:
        size = min(per_project, args.feed_open - open_now)
        project(size, f"Feed project {n}")
        open_now += size
        n += 1
    print(f"feed: {open_now} open tasks in {n} more projects (set up in {time.perf_counter() - t0:.1f} s)", flush=True)
    member = users[0]
    client = Client()
    client.force_login(member)
    client.get("/work/")
    feed_lat = []
    for _ in range(args.feed_requests):
        start = time.perf_counter()
        response = client.get("/work/")
        feed_lat.append(time.perf_counter() - start)
        assert response.status_code == 200
    select_lat = []
    with connection.cursor() as cursor:
        for _ in range(args.feed_requests):
            start = time.perf_counter()
            cursor.execute("SELECT id, title, reward, estimated_minutes, organisation_id FROM tasks_project "
                           "WHERE coop_id = %s AND status IN ('open', 'paused') ORDER BY published_at DESC, id DESC",
                           [coop.pk])
            cursor.fetchall()
            select_lat.append(time.perf_counter() - start)
    feed_p95, select_p95 = pct(feed_lat, 95), pct(select_lat, 95)
    print(f"feed GET /work/: p50 {pct(feed_lat, 50) * 1000:.1f} ms, p95 {feed_p95 * 1000:.1f} ms; "
          f"plain SELECT of the same projects p95 {select_p95 * 1000:.2f} ms; ratio {feed_p95 / select_p95:.1f}x")
    print(json.dumps({
        "tasks": args.tasks, "members": args.members, "procs": args.procs, "claims": claims,
        "distinct_slots": distinct, "claims_per_s": round(claims_per_s, 1),
        "claim_p50_ms": round(pct(claim_lat, 50) * 1000, 2), "claim_p99_ms": round(pct(claim_lat, 99) * 1000, 2),
        "baseline_select_per_s": round(base_per_s, 1), "baseline_select_p99_ms": round(pct(base_lat, 99) * 1000, 3),
        "claims_vs_select": round(claims_per_s / base_per_s, 4),
        "feed_open_tasks": open_now, "feed_p50_ms": round(pct(feed_lat, 50) * 1000, 2),
        "feed_p95_ms": round(feed_p95 * 1000, 2), "feed_select_p95_ms": round(select_p95 * 1000, 3),
        "feed_vs_select_p95": round(feed_p95 / select_p95, 2),
    }))


if __name__ == "__main__":
    main()
