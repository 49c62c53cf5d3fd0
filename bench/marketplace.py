"""Benchmark: claiming and the task feed, against baselines in the same run (issue 18).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atelier_market .venv/bin/python bench/marketplace.py

1. Claim + submit. Each of --rounds rounds: the baseline, pgbench TPC-B with 4 clients for
   --seconds (`pgbench -i -s 4` in its own database, <name>_pgbench), then a newly published
   batch of --tasks tasks (one slot each) in a coop of --members members: --procs processes
   share the members, each member claims and submits until no slot is free or their fair
   share is reached (`assignment_claim` + `assignment_submit`: the member's lock, eligibility,
   fair share, the project's counter, a SKIP LOCKED slot, the events). Claims/s (a claim and
   its submission each), claim latency p50/p99, ratio = claims/s / TPC-B tx/s; the median
   round is reported. Checked each round: no slot given twice, every slot taken, nobody over
   the fair share, the project's counter at 0. Before the rounds, one batch of the same size is
   claimed and submitted unmeasured (`--no-history` skips it): a live coop's tables hold its
   history, and its planner statistics say so; a first batch in an empty database is planned
   from statistics that say tasks_assignment is empty. Every batch is followed by ANALYZE, as
   autovacuum would (off on these machines: bench/common.py).
2. The task feed page (`GET /work/`, a logged-in member, through Django's test client) with
   --feed-open open tasks in the coop's open projects (10,000 per project): p50/p95 over
   --feed-requests requests. Baseline: a plain indexed SELECT of the same project rows. The
   page shows 50 project cards (issue 18: pages); `--feed-only` measures the feed alone.
The data stays in the database (a new coop per run). The last line is one JSON object.
"""

import argparse
import json
import multiprocessing as mp
import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coop.settings")

from bench.common import analyze, django_setup, pg_args  # noqa: E402


def pgbench_database():
    """pg_args() for pgbench's own database (<name>_pgbench), created if missing, initialised
    at scale 4 (one branch per client, as bench/ledger.py)."""
    args = pg_args()
    args[-1] = f"{args[-1]}_pgbench"
    subprocess.run(["createdb", *args[:-1], args[-1]], capture_output=True)  # fails harmlessly if it exists
    subprocess.run(["pgbench", "-i", "-q", "-s", "4", *args], check=True, capture_output=True)
    return args


def pgbench_tpcb(args, seconds, clients=4):
    """TPC-B's transactions/s, and the machine's CPU a transaction (ms) and how busy its cores were
    meanwhile (None, None where there is no /proc): a baseline that waits on its WAL flushes
    leaves cores idle, one bound by the CPU does not, and the ratio reads differently (docs/
    benchmarks.md, session 11)."""
    subprocess.run(["psql", "-q", *args[:-1], "-d", args[-1], "-c", "CHECKPOINT"], check=True, capture_output=True)
    before = machine_busy()
    out = subprocess.run(["pgbench", "-n", "-c", str(clients), "-j", str(min(clients, 2)), "-T", str(seconds), *args],
                         check=True, capture_output=True, text=True).stdout
    after = machine_busy()
    done = int(re.search(r"number of transactions actually processed: (\d+)", out).group(1))
    cpu_ms, busy = busy_between(before, after, done)
    return float(re.search(r"tps = ([\d.]+)", out).group(1)), cpu_ms, busy


def load_average():
    return round(os.getloadavg()[0], 2)


def machine_busy():
    """(busy, total) jiffies of the whole machine (/proc/stat): client, PostgreSQL and kernel alike,
    whatever the baseline's luck; None where there is no /proc."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
    except OSError:
        return None
    return sum(v[:3]) + sum(v[5:7]), sum(v[:8])


def busy_between(before, after, count):
    """The machine's CPU (ms) per one of `count` things done between two machine_busy() readings,
    and the cores' busy share meanwhile; (None, None) without them."""
    if not (before and after):
        return None, None
    hz = os.sysconf("SC_CLK_TCK")
    busy = after[0] - before[0]
    return round(busy * 1000 / hz / max(1, count), 3), round(busy / max(1, after[1] - before[1]), 2)


def pct(values, p):
    values = sorted(values)
    if not values:
        return 0.0
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def make_world(tasks, members, tag, gold_rate=0):
    from django.core.management import call_command

    from accounts.models import Organisation, OrganisationStaff, TermsAcceptance, TermsVersion, User
    from coop.federation.models import Membership
    from coop.federation.services import coop_create, federation_setup
    from ledger.services import deposit_record
    from tasks.services import project_create, project_publish, task_gold_mark, tasks_add

    call_command("migrate", verbosity=0)
    federation_setup(name="Bench federation", currency="USD")
    operator = User.objects.filter(is_staff=True).first() or User.objects.create_superuser(
        email=f"op-{tag}@bench.example", password="x")
    coop = coop_create(operator=operator, name=f"Bench {tag}", slug=f"bench-{tag}",
                       parameters={"max_open_assignments": 50, "gold_rate_max_pct": 50})
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
                           question_form=form, reward=100, estimated_minutes=2, gold_rate_pct=gold_rate)
        for start in range(0, n, 10_000):
            tasks_add(actor=owner, project=p, rows=[{"image_url": f"https://img.example/{i}.jpg"}
                                                    for i in range(start, min(n, start + 10_000))])
        if gold_rate:  # --gold-rate: that share of the tasks are gold, mixed in at that rate (issue 20)
            for task in p.tasks.order_by("pk")[::max(1, 100 // gold_rate)]:
                task_gold_mark(task=task, gold=True)
        published = project_publish(actor=owner, project=p)
        analyze()  # what autovacuum would do after such a batch (bench/common.py: off on these machines)
        return published

    return coop, org, owner, users, project


def claim_worker(args):
    """One process: its members claim and submit in turn until none can claim any more. Returns
    (claim latencies, submissions, first claim's start, last submission's end (wall clock), the
    process's CPU seconds: what the client side costs, whatever the load)."""
    user_ids, project_id = args
    django_setup()
    from accounts.models import User
    from tasks.errors import FairShareReached, NoFreeSlot
    from tasks.models import Project
    from tasks.qualifications.eligibility import requirements_forget
    from tasks.services import assignment_claim, assignment_submit

    project = Project.objects.get(pk=project_id)
    users = list(User.objects.filter(pk__in=user_ids))
    active = list(users)
    latencies, submitted = [], 0
    began, cpu = time.time(), time.process_time()
    while active:
        still = []
        for user in active:
            requirements_forget(project)  # as a request would: the project's requirements read per claim
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
    return latencies, submitted, began, time.time(), time.process_time() - cpu


def round_trip_counter():
    """Count what goes to PostgreSQL: statements (every cursor's execute, Django's and
    execute_one's) and commands (BEGIN, COMMIT, ROLLBACK, which psycopg sends on its own). Each is
    one round trip. Returns a dict that counts on."""
    import psycopg
    from psycopg import _connection_base

    counts = {"statements": 0, "commands": 0}
    execute, command = psycopg.Cursor.execute, _connection_base.BaseConnection._exec_command

    def counted_execute(self, *args, **kwargs):
        counts["statements"] += 1
        return execute(self, *args, **kwargs)

    def counted_command(self, *args, **kwargs):
        counts["commands"] += 1
        return command(self, *args, **kwargs)

    psycopg.Cursor.execute = counted_execute
    _connection_base.BaseConnection._exec_command = counted_command
    return counts


def claims_profile(n, project_id, user_ids):
    """--profile-claims: in this process, `n` claims then `n` submissions by the members in turn,
    round trips counted per claim and per submission, then cProfile (CPU) of another `n` pairs on
    stderr. The figures behind docs/benchmarks.md's per-claim costs."""
    import cProfile
    import pstats

    from accounts.models import User
    from tasks.models import Project
    from tasks.qualifications.eligibility import requirements_forget
    from tasks.services import assignment_claim, assignment_submit

    project = Project.objects.get(pk=project_id)
    users = list(User.objects.filter(pk__in=user_ids).order_by("pk"))
    counts = round_trip_counter()

    def pair(user, tally):
        requirements_forget(project)
        before = dict(counts)
        assignment = assignment_claim(member=user, project=project)
        middle = dict(counts)
        assignment_submit(member=user, assignment=assignment, answers={"label": "yes"})
        for key in counts:
            tally["claim_" + key] += middle[key] - before[key]
            tally["submit_" + key] += counts[key] - middle[key]

    tally = dict.fromkeys(("claim_statements", "claim_commands", "submit_statements", "submit_commands"), 0)
    for i in range(n):  # warm: the driver prepares a statement run five times on a connection
        pair(users[i % len(users)], tally)
    tally = dict.fromkeys(tally, 0)
    cpu = time.process_time()
    for i in range(n, 2 * n):
        pair(users[i % len(users)], tally)
    cpu_ms = (time.process_time() - cpu) * 1000 / n
    per = {key: round(value / n, 2) for key, value in tally.items()}
    print(f"profile: per claim {per['claim_statements']} statements + {per['claim_commands']} commands, per "
          f"submission {per['submit_statements']} + {per['submit_commands']}; client CPU {cpu_ms:.2f} ms a "
          f"claim+submit (one process, load {load_average()})", flush=True)
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    for i in range(2 * n, 3 * n):
        pair(users[i % len(users)], tally)
    profile.disable()
    pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(60)
    return {**per, "profile_cpu_ms_per_claim_submit": round(cpu_ms, 2)}


def run_pool(procs, jobs):
    from django.db import connections

    connections.close_all()
    ctx = mp.get_context("fork")
    with ctx.Pool(procs) as pool:
        return pool.map(claim_worker, jobs)


def claim_round(n, args, project, ids, pg):
    """One round: TPC-B for the baseline, then a new batch claimed and submitted to the end."""
    from django.db.models import Count

    from tasks.models import Assignment, Project
    from tasks.selectors import open_slots_of

    base, base_cpu_ms, base_busy = pgbench_tpcb(pg, args.seconds)
    load_before = load_average()
    t0 = time.perf_counter()
    batch = project(args.tasks, f"Claim batch {n}")
    setup_s = time.perf_counter() - t0
    shares = [ids[i::args.procs] for i in range(args.procs)]
    busy_before = machine_busy()
    results = run_pool(args.procs, [(share, batch.pk) for share in shares])
    busy_after = machine_busy()
    lat = [x for r in results for x in r[0]]
    wall = max(r[3] for r in results) - min(r[2] for r in results)
    claims = len(lat)
    cpu_ms = sum(r[4] for r in results) * 1000 / max(1, claims)
    batch = Project.objects.get(pk=batch.pk)
    assignments = Assignment.objects.filter(project=batch)
    per_member = list(assignments.values("member").annotate(n=Count("pk")).values_list("n", flat=True))
    row = {
        "round": n, "baseline_tpcb_tps": round(base, 1), "claims": claims, "seconds": round(wall, 2),
        "claims_per_s": round(claims / wall, 1), "ratio": round(claims / wall / base, 3),
        "claim_p50_ms": round(pct(lat, 50) * 1000, 2), "claim_p99_ms": round(pct(lat, 99) * 1000, 2),
        "duplicate_slots": assignments.count() - assignments.values("slot").distinct().count(),
        "slots_left": batch.slots.filter(status="open").count(), "counter_left": open_slots_of(batch.pk),
        "fair_share_cap": batch.fair_share_cap, "most_by_one_member": max(per_member or [0]),
        "load_average": [load_before, load_average()], "setup_s": round(setup_s, 1),
        "client_cpu_ms_per_claim_submit": round(cpu_ms, 2),
        # the machine's CPU a pair and a TPC-B transaction, and how busy the cores were in each
        "baseline_machine_cpu_ms_per_tx": base_cpu_ms, "baseline_machine_busy": base_busy,
    }
    row["machine_cpu_ms_per_claim_submit"], row["machine_busy"] = busy_between(busy_before, busy_after, claims)
    row["cap_exact"] = bool(row["most_by_one_member"] <= (batch.fair_share_cap or 10**9)
                            and row["slots_left"] == row["counter_left"] == 0 and claims == args.tasks)
    print(f"round {n}: pgbench TPC-B 4 clients {row['baseline_tpcb_tps']} tx/s (machine CPU {base_cpu_ms} ms a "
          f"transaction, cores busy {base_busy}) | claim+submit "
          f"{row['claims_per_s']}/s ({claims} in {row['seconds']} s) p50 {row['claim_p50_ms']} ms p99 "
          f"{row['claim_p99_ms']} ms, client CPU {row['client_cpu_ms_per_claim_submit']} ms a claim+submit, machine "
          f"CPU {row.get('machine_cpu_ms_per_claim_submit')} ms (cores busy {row.get('machine_busy')}) | ratio "
          f"{row['ratio']}x | duplicates {row['duplicate_slots']}, most by one "
          f"member {row['most_by_one_member']} (fair share {batch.fair_share_cap}), open left {row['slots_left']} "
          f"(counter {row['counter_left']}) | load {row['load_average']}", flush=True)
    return row


def feed_projects(coop, org, owner, open_tasks, projects):
    """`projects` open projects sharing `open_tasks` open tasks, written directly (rows as publish
    writes them, counter included): the feed only reads them, and publishing 200 batches through
    the services would take most of the run."""
    from django.utils import timezone

    from tasks.models import Project, Slot, Task
    from tasks.services.open_slots import open_slots_opened

    per = max(1, open_tasks // projects)
    now = timezone.now()
    for n in range(projects):
        p = Project.objects.create(
            coop=coop, organisation=org, created_by=owner, status=Project.Status.OPEN, title=f"Feed project {n}",
            category=f"cat{n % 7}", reward=100 + n, estimated_minutes=2 + n % 5, published_at=now,
            batch_opened_at=now, rulebook_version=1, allocation_policy="first_come",
            question_form=[{"name": "label", "type": "single_choice", "label": "Cat?", "choices": ["yes", "no"]}])
        tasks = Task.objects.bulk_create([Task(project=p, data={"i": i}, line=i + 2) for i in range(per)],
                                         batch_size=5000)
        slots = Slot.objects.bulk_create([Slot(task=t, project=p, number=0) for t in tasks], batch_size=5000)
        open_slots_opened(project_id=p.pk, slot_ids=[slot.pk for slot in slots])
    return per * projects


def feed(args, coop, org, owner, users):
    from django.db import connection
    from django.test import Client

    from tasks.models import Project
    from tasks.selectors import open_slots_remaining

    t0 = time.perf_counter()
    added = feed_projects(coop, org, owner, args.feed_open, args.feed_projects) if org is not None else 0
    analyze()  # as autovacuum would after 100,000 rows (bench/common.py)
    open_now = sum(Project.objects.filter(coop=coop, status="open").annotate(n=open_slots_remaining())
                   .values_list("n", flat=True))
    projects = Project.objects.filter(coop=coop, status="open").count()
    print(f"feed: {open_now} open tasks in {projects} open projects ({added} added in "
          f"{time.perf_counter() - t0:.1f} s)", flush=True)
    client = Client()
    client.force_login(users[0])
    client.get("/work/")
    feed_lat = []
    load_before = load_average()
    cpu = time.process_time()
    for _ in range(args.feed_requests):
        start = time.perf_counter()
        response = client.get("/work/")
        feed_lat.append(time.perf_counter() - start)
        assert response.status_code == 200
    feed_cpu_ms = (time.process_time() - cpu) * 1000 / max(1, args.feed_requests)  # this process: Django's side
    if args.profile:
        import cProfile
        import pstats

        profile = cProfile.Profile(time.process_time)  # CPU, not wall: the machine may be shared
        profile.enable()
        for _ in range(args.profile):
            client.get("/work/")
        profile.disable()
        pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(90)
    cards = response.content.decode().count('<article class="card" id="project-')  # a page: 50 (issue 18)
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
    print(f"feed GET /work/ ({cards} cards a page): p50 {pct(feed_lat, 50) * 1000:.1f} ms, p95 "
          f"{feed_p95 * 1000:.1f} ms, CPU {feed_cpu_ms:.1f} ms a request; plain SELECT of the same projects p95 "
          f"{select_p95 * 1000:.2f} ms; ratio "
          f"{feed_p95 / select_p95:.1f}x | load {[load_before, load_average()]}", flush=True)
    return {"feed_open_tasks": open_now, "feed_projects": projects, "feed_cards": cards,
            "feed_p50_ms": round(pct(feed_lat, 50) * 1000, 2),
            "feed_p95_ms": round(feed_p95 * 1000, 2), "feed_cpu_ms": round(feed_cpu_ms, 2),
            "feed_select_p95_ms": round(select_p95 * 1000, 3),
            "feed_vs_select_p95": round(feed_p95 / select_p95, 2)}


def main():
    from scripts.ensure_db import ensure_database

    ensure_database()  # a fresh machine: create the database named in DATABASE_URL
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10, help="pgbench's time per round")
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--procs", type=int, default=4)
    parser.add_argument("--feed-open", type=int, default=100_000)
    parser.add_argument("--feed-projects", type=int, default=200)
    parser.add_argument("--feed-requests", type=int, default=200)
    parser.add_argument("--no-feed", action="store_true")
    parser.add_argument("--no-history", action="store_true",
                        help="start the rounds on an empty tasks_assignment (a new database), no history batch first")
    parser.add_argument("--feed-only", action="store_true", help="measure the feed alone (no claim rounds)")
    parser.add_argument("--feed-coop", help="measure the feed of this existing coop (slug) instead of making one")
    parser.add_argument("--profile", type=int, default=0, help="then profile this many feed requests (stderr)")
    parser.add_argument("--profile-claims", type=int, default=0,
                        help="only count round trips and profile this many claim+submits in one process")
    parser.add_argument("--gold-rate", type=int, default=0,
                        help="percent of gold tasks, mixed into each member's work at that rate (issue 20)")
    args = parser.parse_args()
    django_setup()
    from django.conf import settings

    if not settings.DATABASE_IS_POSTGRES:
        sys.exit("Run this on PostgreSQL (set DATABASE_URL).")
    if args.feed_coop:  # the feed of a coop an earlier run made (its 100,000 tasks take a while to write)
        from coop.federation.models import Membership

        membership = Membership.objects.select_related("coop", "user").filter(
            coop__slug=args.feed_coop, status="active").order_by("pk").first()
        print(json.dumps({**feed(args, membership.coop, None, None, [membership.user]), "coop": args.feed_coop}))
        return
    tag = uuid.uuid4().hex[:8]
    print(f"setting up: {args.members} members (coop bench-{tag}); load average {load_average()}", flush=True)
    coop, org, owner, users, project = make_world(args.tasks, args.members, tag, args.gold_rate)
    if args.profile_claims:
        batch = project(3 * args.profile_claims, "Profile batch")
        print(json.dumps(claims_profile(args.profile_claims, batch.pk, [u.pk for u in users])))
        return
    if args.feed_only:
        result = {"members": args.members, **feed(args, coop, org, owner, users)}
        print(json.dumps(result))
        return
    pg = pgbench_database()
    ids = [u.pk for u in users]
    if not args.no_history:  # the history a live coop has, then its statistics (bench/common.py)
        history = project(args.tasks, "History batch")
        run_pool(args.procs, [(ids[i::args.procs], history.pk) for i in range(args.procs)])  # each round's
        # publish analyzes after it (make_world's project()), with this history in the tables
        print(f"history: a batch of {args.tasks} claimed and submitted before the rounds (not measured)", flush=True)
    rounds = [claim_round(n, args, project, ids, pg) for n in range(1, args.rounds + 1)]
    median = sorted(rounds, key=lambda r: r["ratio"])[len(rounds) // 2]
    result = {
        "tasks": args.tasks, "members": args.members, "procs": args.procs, "rounds": len(rounds),
        "claims_per_s": median["claims_per_s"], "baseline_tpcb_tps": median["baseline_tpcb_tps"],
        "claims_vs_tpcb": median["ratio"], "ratios": [r["ratio"] for r in rounds],
        "claim_p50_ms": median["claim_p50_ms"], "claim_p99_ms": median["claim_p99_ms"],
        "claim_p99_ms_worst": max(r["claim_p99_ms"] for r in rounds),
        "duplicate_slots": sum(r["duplicate_slots"] for r in rounds),
        "cap_exact": all(r["cap_exact"] for r in rounds),
        "load_average": [min(r["load_average"][0] for r in rounds), max(r["load_average"][1] for r in rounds)],
        "machine_cpu_ms_per_claim_submit": [r.get("machine_cpu_ms_per_claim_submit") for r in rounds],
        "baseline_machine_cpu_ms_per_tx": [r.get("baseline_machine_cpu_ms_per_tx") for r in rounds],
        "baseline_machine_busy": [r.get("baseline_machine_busy") for r in rounds],
    }
    print(f"claim+submit: median round {result['claims_per_s']}/s = {result['claims_vs_tpcb']}x TPC-B "
          f"({result['baseline_tpcb_tps']} tx/s), ratios {result['ratios']} (median "
          f"{statistics.median(result['ratios'])}), p99 {result['claim_p99_ms']} ms; duplicates "
          f"{result['duplicate_slots']}; fair share and counter exact: {result['cap_exact']}", flush=True)
    if not args.no_feed:
        result.update(feed(args, coop, org, owner, users))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
