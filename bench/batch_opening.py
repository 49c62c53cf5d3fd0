"""The busy hour end to end over HTTP (issue 18): a batch opens to members waiting on their
work socket, and they claim it through the member API, driven by Locust.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atelier_batch REDIS_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python bench/batch_opening.py [--members 2000 --tasks 10000 --policies fair_share,first_come]
        [--sizes 2000x10000,800x4000 --bounds 360,180]   (per policy; `make bench` runs exactly this)

The real stack: `manage.py run_stack --workers 2` (uvicorn with 2 workers, the qcluster, the
sequencer) on PostgreSQL and Redis, as in production (DEBUG off). For each allocation policy
(a coop whose rulebook says it), --members members open `/ws/work/` and wait; every one of
them also asked to be told of new work (a coop-wide watch, so the qcluster sends its notices
during the run, as it would). A requester publishes one project of --tasks single-slot tasks
through the requester API (its API key); each member, told by its socket, claims and submits
through the member API until "no free slot" or "fair share reached" (bench/batch_opening_locust.py:
the first --scripted share of members claim at once, the others take --human seconds to react
and to do each task). Baseline, in the same run: the same Locust users asking `GET /healthz` of
the same server for --baseline-seconds (what the HTTP stack itself serves).

Printed per policy: seconds from publish to the last slot claimed; claims/s over HTTP (and
claim + submit requests/s against the baseline's requests/s: the ratio); p50/p99 of the claim
request; notification delivery p50/p99 (frame sent after commit → received by the member) and
publish → last notice; the most tasks one member got during the fair-share window against the
cap; the share of the batch won by the 10% of members who won most; refusals, throttled
answers, requests the server shed (503 + Retry-After, coop/core/shedding.py; tried again after
the wait) and errors (anything but "no free slot" / "fair share reached" is an error). Checked
from the database: no slot given twice, the counter at 0. Each run is bounded (--max-seconds
per policy) and sends traffic only to 127.0.0.1. The last line is one JSON object."""

import argparse
import json
import os
import resource
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coop.settings")
# The server runs as in production (DEBUG off) but over plain HTTP on 127.0.0.1; the sessions
# made here must verify there, so both sides share the secret key.
# Each server process keeps at most DB_POOL_MAX_SIZE connections (coop/settings.py): without a
# pool, every request in flight opens its own and the busy hour runs PostgreSQL out of them.
STACK_ENV = {"DEBUG": "false", "SECURE_SSL_REDIRECT": "false",
             "DB_POOL_MAX_SIZE": os.environ.get("DB_POOL_MAX_SIZE", "12"),
             # the sequencer signs checkpoints (production refuses to run without a key): a
             # throwaway key for a benchmark's database
             "EVENTLOG_SIGNING_KEY": os.environ.get("EVENTLOG_SIGNING_KEY") or secrets.token_hex(32),
             "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")}
os.environ.update(STACK_ENV)

from bench.common import django_setup  # noqa: E402


def pct(values, p):
    values = sorted(values)
    if not values:
        return None
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def ms(seconds):
    return None if seconds is None else round(seconds * 1000, 1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the world, written directly where the services would take minutes ------------------------
def make_world(*, policy, members, tasks, tag):
    """A coop whose rulebook allocates by `policy`, `members` active members with sessions and a
    coop-wide watch each, a requester with an API key and a draft project of `tasks` tasks."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from accounts.models import MemberProfile, Organisation, OrganisationStaff, TermsAcceptance, TermsVersion, User
    from accounts.requesters.services import api_key_create
    from coop.federation.models import Membership
    from coop.federation.services import coop_create, federation_setup
    from ledger.services import deposit_record
    from tasks.models import ProjectWatch
    from tasks.services import project_create, tasks_add

    federation_setup(name="Bench federation", currency="USD")
    operator = User.objects.filter(is_staff=True).first() or User.objects.create_superuser(
        email=f"op-{tag}@bench.example", password="x")
    short = policy.split("_")[0]  # slugs: letters, digits and hyphens
    coop = coop_create(operator=operator, name=f"Batch {policy} {tag}", slug=f"batch-{short}-{tag}",
                       parameters={"allocation_policy": policy})
    users = User.objects.bulk_create([User(email=f"b{i}-{short}-{tag}@bench.example", password="!")
                                      for i in range(members)])
    MemberProfile.objects.bulk_create([MemberProfile(user=u, display_name=f"Member {i}") for i, u in enumerate(users)])
    now = timezone.now()
    Membership.objects.bulk_create([Membership(user=u, coop=coop, status=Membership.Status.ACTIVE, joined_at=now)
                                    for u in users])
    ProjectWatch.objects.bulk_create([ProjectWatch(coop=coop, member=u) for u in users])
    store, sessions, keys = SessionStore(), [], []
    expire = now + timezone.timedelta(days=1)
    for user in users:
        key = uuid.uuid4().hex
        data = {SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "accounts.backends.UserBackend",
                HASH_SESSION_KEY: user.get_session_auth_hash()}
        sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
        keys.append(key)
    Session.objects.bulk_create(sessions, batch_size=1000)
    org = Organisation.objects.create(name=f"Batch lab {policy} {tag}", slug=f"batch-lab-{short}-{tag}")
    owner = User.objects.create_user(email=f"owner-{short}-{tag}@bench.example", password="x")
    OrganisationStaff.objects.create(organisation=org, user=owner, role="owner")
    terms = TermsVersion.objects.order_by("-number").first() or TermsVersion.objects.create(number=1, text="Bench")
    TermsAcceptance.objects.create(organisation=org, version=terms, accepted_by=owner)
    deposit_record(operator=operator, organisation=org, amount=10**12, reference=f"batch-{policy}-{tag}")
    _key, secret = api_key_create(user=owner, organisation=org, name="batch bench", scopes=["read", "projects"])
    form = [{"name": "label", "type": "single_choice", "label": "Cat?", "choices": ["yes", "no"]}]
    project = project_create(actor=owner, organisation=org, coop=coop, title=f"Batch {policy} {tag}",
                             category="bench", question_form=form, reward=100, estimated_minutes=2)
    for start in range(0, tasks, 10_000):
        tasks_add(actor=owner, project=project, rows=[{"i": i} for i in range(start, min(tasks, start + 10_000))])
    return {"coop": coop.pk, "project": project.pk, "cookies": keys, "api_secret": secret}


# --- the stack ---------------------------------------------------------------------------------
def start_stack(port, workers):
    env = {**os.environ, **STACK_ENV, "PORT": str(port), "HOST": "127.0.0.1"}
    log = open(Path(tempfile.gettempdir()) / f"batch_opening_stack_{port}.log", "w")
    process = subprocess.Popen([sys.executable, "manage.py", "run_stack", "--workers", str(workers)], cwd=ROOT,
                               env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            return process, log.name
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                stop_stack(process)
                raise SystemExit(f"the stack did not start (see {log.name})")
            time.sleep(0.5)


def stop_stack(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)  # run_stack's own group: its supervisor stops its children
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def locust(world, *, address, users, spawn_rate, max_seconds):
    """Run Locust headless on the world file; return what its conductor wrote."""
    handle, path = tempfile.mkstemp(prefix="batch_world_", suffix=".json")
    os.close(handle)
    results = path.replace(".json", "_results.json")
    world = {**world, "address": address, "results": results, "started": time.time(), "max_seconds": max_seconds}
    Path(path).write_text(json.dumps(world))
    command = [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "batch_opening_locust.py"), "--headless",
               "-u", str(users), "-r", str(spawn_rate), "--run-time", f"{int(max_seconds) + 30}s",
               "--host", f"http://{address}", "--stop-timeout", "5", "--loglevel", "WARNING", "--only-summary"]
    proc = subprocess.run(command, cwd=ROOT, env={**os.environ, "BENCH_WORLD": path}, capture_output=True, text=True,
                          timeout=max_seconds + 120)
    try:
        return json.loads(Path(results).read_text())
    except (OSError, ValueError):
        sys.stdout.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit("Locust wrote no results")
    finally:
        Path(path).unlink(missing_ok=True)
        Path(results).unlink(missing_ok=True)


def judge(world, run):
    """The batch's figures from the database and from what the members measured."""
    from django.db.models import Count, Max, Min

    from tasks.models import Assignment, Project
    from tasks.selectors import open_slots_of

    project = Project.objects.get(pk=world["project"])
    assignments = Assignment.objects.filter(project=project)
    window = assignments.filter(claimed_at__lte=project.fair_share_until) if project.fair_share_until else assignments
    per_member = sorted(window.values("member").annotate(n=Count("pk")).values_list("n", flat=True), reverse=True)
    top = max(1, len(world["cookies"]) // 10)
    times = assignments.aggregate(first=Min("claimed_at"), last=Max("claimed_at"))
    claims = assignments.count()
    publish = run.get("publish", {})
    claim_at = run["claim_at"]
    claim_window = (max(claim_at) - min(claim_at)) if len(claim_at) > 1 else None
    requests = len(run["claim_s"]) + len(run["submit_s"]) + sum(run["refusals"].values())
    return {
        "policy": project.allocation_policy, "members": len(world["cookies"]), "ready_sockets": run.get("ready"),
        "tasks": project.slots.count(), "claimed": claims, "slots_left": project.slots.filter(status="open").count(),
        "counter_left": open_slots_of(project.pk),
        "duplicate_slots": claims - assignments.values("slot").distinct().count(),
        "publish_status": publish.get("status"), "publish_s": round(publish["answered"] - publish["sent"], 2)
        if publish else None,
        "publish_to_last_claim_s": round((times["last"] - project.published_at).total_seconds(), 2)
        if times["last"] else None,
        "claims_per_s": round(len(claim_at) / claim_window, 1) if claim_window else None,
        "claim_submit_requests_per_s": round(requests / claim_window, 1) if claim_window else None,
        "claim_p50_ms": ms(pct(run["claim_s"], 50)), "claim_p99_ms": ms(pct(run["claim_s"], 99)),
        "claim_with_retries_p50_ms": ms(pct(run.get("claim_wait_s", []), 50)),
        "claim_with_retries_p99_ms": ms(pct(run.get("claim_wait_s", []), 99)),
        "submit_p50_ms": ms(pct(run["submit_s"], 50)), "submit_p99_ms": ms(pct(run["submit_s"], 99)),
        "notified": len(run["delivery_s"]), "delivery_p50_ms": ms(pct(run["delivery_s"], 50)),
        "delivery_p99_ms": ms(pct(run["delivery_s"], 99)),
        "publish_to_last_notice_s": round(max(run["notice_at"]) - publish["sent"], 2)
        if run["notice_at"] and publish else None,
        "fair_share_cap": project.fair_share_cap, "most_by_one_member_in_window": per_member[0] if per_member else 0,
        "top_10pct_share": round(sum(per_member[:top]) / max(1, sum(per_member)), 3),
        "refusals": dict(run["refusals"]), "throttled": run["throttled"], "shed_503": run.get("shed", 0),
        "submits_resent": run.get("resent", 0), "resent_were_done": run.get("resent_were_done", 0),
        "errors": dict(run["errors"]),
        "timed_out": run.get("timed_out"),
    }


def sizes_of(policies, args):
    """{policy: (members, tasks)} from --sizes (`MEMBERSxTASKS` per policy, in order), else
    --members and --tasks."""
    given = [s for s in args.sizes.split(",") if s]
    sizes = {}
    for i, policy in enumerate(policies):
        if i < len(given):
            members, _x, tasks = given[i].lower().partition("x")
            sizes[policy] = (int(members), int(tasks))
        else:
            sizes[policy] = (args.members, args.tasks)
    return sizes


def main():
    from scripts.ensure_db import ensure_database

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--policies", default="fair_share,first_come")
    parser.add_argument("--sizes", default="", help="members x tasks per policy, in --policies' order (e.g. "
                        "2000x10000,800x4000: the first_come contrast smaller); a policy without one: --members "
                        "and --tasks")
    parser.add_argument("--bounds", default="", help="seconds per policy, in --policies' order; a policy without "
                        "one: --max-seconds")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--spawn-rate", type=float, default=100, help="Locust users started per second")
    parser.add_argument("--scripted", type=float, default=0.1, help="share of members who claim by script")
    parser.add_argument("--human", default="1,4", help="seconds a person takes to react and per task (low,high)")
    parser.add_argument("--baseline-seconds", type=float, default=10)
    parser.add_argument("--max-seconds", type=float, default=600, help="bound of each policy's run")
    args = parser.parse_args()
    if "postgres" not in os.environ.get("DATABASE_URL", "") or not os.environ.get("REDIS_URL"):
        sys.exit("Run on PostgreSQL with Redis: set DATABASE_URL (postgres://...) and REDIS_URL.")
    ensure_database()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))  # children inherit it
    django_setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    human = [float(x) for x in args.human.split(",")]
    tag = uuid.uuid4().hex[:6]
    policies = [p for p in args.policies.split(",") if p]
    sizes = sizes_of(policies, args)
    bounds = dict(zip(policies, [float(b) for b in args.bounds.split(",") if b], strict=False))
    t0 = time.time()
    worlds = {policy: make_world(policy=policy, members=sizes[policy][0], tasks=sizes[policy][1], tag=tag)
              for policy in policies}
    print("set up " + ", ".join(f"{policy}: {m} members, {t} tasks" for policy, (m, t) in sizes.items())
          + f" in {time.time() - t0:.0f} s; load average {os.getloadavg()[0]:.1f}", flush=True)
    most = max(m for m, _t in sizes.values())
    port = free_port()
    address = f"127.0.0.1:{port}"
    # stopped from outside (bench/all.py's bound): exit through the `finally` that stops the stack
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped (SIGTERM)"))
    stack, log = start_stack(port, args.workers)
    loads, results = [], {}
    try:
        base = locust({"mode": "baseline", "members": most, "baseline_seconds": args.baseline_seconds},
                      address=address, users=most, spawn_rate=args.spawn_rate, max_seconds=120)["baseline"]
        base_rps = base["requests"] / base["seconds"]
        print(f"baseline GET /healthz, {most} Locust users: {base_rps:.1f} requests/s, p50 "
              f"{base['p50_ms']} ms, p99 {base['p99_ms']} ms, {base['failures']} failures", flush=True)
        for policy in policies:
            members = sizes[policy][0]
            world = {"mode": "batch", "members": members, "scripted": args.scripted, "human": human,
                     **{k: worlds[policy][k] for k in ("project", "cookies", "api_secret")}}
            load_before = os.getloadavg()[0]
            run = locust(world, address=address, users=members, spawn_rate=args.spawn_rate,
                         max_seconds=bounds.get(policy, args.max_seconds))
            loads.append((load_before, os.getloadavg()[0]))
            row = judge(world, run)
            if row["claim_submit_requests_per_s"]:
                row["vs_baseline"] = round(row["claim_submit_requests_per_s"] / base_rps, 3)
            results[policy] = row
            print(f"{policy}: {json.dumps(row)}", flush=True)
    finally:
        stop_stack(stack)
    print()
    print(f"| policy | members / tasks | publish → last claim | claims/s | claim p50 / p99 | notice p50 / p99 | "
          f"most per member (cap) | top 10% share | errors | vs baseline ({base_rps:.0f} req/s) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for policy, r in results.items():
        print(f"| {policy} | {r['members']} / {r['tasks']} | {r['publish_to_last_claim_s']} s | {r['claims_per_s']} | "
              f"{r['claim_p50_ms']} / "
              f"{r['claim_p99_ms']} ms | {r['delivery_p50_ms']} / {r['delivery_p99_ms']} ms | "
              f"{r['most_by_one_member_in_window']} ({r['fair_share_cap']}) | {r['top_10pct_share']:.1%} | "
              f"{sum(r['errors'].values())} | {r.get('vs_baseline')}× |")
    print(f"load average {loads}; stack log {log}", flush=True)
    print(json.dumps({"bench": "batch_opening", "members": most, "tasks": max(t for _m, t in sizes.values()),
                      "baseline_healthz_rps": round(base_rps, 1), "load_average": loads,
                      "median_claim_p99_ms": statistics.median([r["claim_p99_ms"] or 0 for r in results.values()])
                      if results else None, "policies": results}))


if __name__ == "__main__":
    main()
