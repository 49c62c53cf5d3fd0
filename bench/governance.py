"""What a vote costs, against a plain ORM insert in the same run (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atelier_governance .venv/bin/python bench/governance.py

Migrates that database, makes a fresh coop with N participating members and a secret
proposal in voting, then with T threads (one connection each):
(a) baseline: one-row INSERTs (a notice) each in its own transaction;
(b) `ballot_cast`: each member votes, then changes the vote (lock the voter row, re-read the
    proposal, check the membership, insert or update the ballot, record the event);
(c) `proposal_close` of the secret vote: count, anonymise (delete and re-insert N ballots in
    random order), adopt (next rulebook version), one event; timed once.
Ratio = (b) votes/s ÷ (a) inserts/s. The last line printed is one JSON object.
"""

import argparse
import json
import os
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coop.settings")


def threaded(threads, work):
    from django.db import connections

    barrier = threading.Barrier(threads)

    def target(i):
        try:
            barrier.wait()
            work(i)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=target, args=(i,)) for i in range(threads)]
    start = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return time.perf_counter() - start


def main():
    from scripts.ensure_db import ensure_database

    ensure_database()  # a fresh machine: create the database named in DATABASE_URL
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=400, help="members")
    parser.add_argument("-t", type=int, default=4, help="threads")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Notice, User
    from accounts.services import user_signup
    from coop.federation import services as federation
    from coop.governance import services
    from coop.governance.models import Proposal

    if not settings.DATABASE_IS_POSTGRES:
        sys.exit("Run this on PostgreSQL (DATABASE_URL).")
    call_command("migrate", verbosity=0)
    run = uuid.uuid4().hex[:8]
    federation.federation_setup(name="Bench", currency="USD")
    operator = User.objects.filter(is_staff=True).first() or User.objects.create_superuser(
        email=f"op-{run}@bench.example", password="x")
    steward = user_signup(email=f"steward-{run}@bench.example", password="x", display_name="Steward")
    coop = federation.coop_create(operator=operator, name=f"Bench {run}", slug=f"bench-{run}",
                                  stewards=[steward])
    members = []
    for i in range(args.n):
        user = user_signup(email=f"m{i}-{run}@bench.example", password="x", display_name=f"M{i}")
        membership = federation.membership_apply(user=user, coop=coop, statement="Bench member, joining now.")
        federation.membership_admit(steward=steward, membership=membership)
        members.append(user)
    proposal = services.proposal_create(author=members[0], title="Bench proposal", secret=True,
                                        changes=[{"kind": "parameter", "name": "floor_hourly_rate", "value": 1500}])
    services.proposal_submit(author=members[0], proposal=proposal)
    Proposal.objects.filter(pk=proposal.pk).update(discussion_ends_at=timezone.now())
    proposal = services.proposal_voting_open(proposal=proposal)

    chunks = [members[i::args.t] for i in range(args.t)]

    def inserts(i):
        for user in chunks[i]:
            for _ in range(2):
                with transaction.atomic():
                    Notice.objects.create(user=user, kind="bench", text="x")

    def votes(i):
        for user in chunks[i]:
            services.ballot_cast(user=user, proposal=proposal, choice="yes")
            services.ballot_cast(user=user, proposal=proposal, choice="no" if i % 2 else "yes")

    ops = 2 * args.n
    baseline = ops / threaded(args.t, inserts)
    voting = ops / threaded(args.t, votes)
    Proposal.objects.filter(pk=proposal.pk).update(voting_ends_at=timezone.now())
    start = time.perf_counter()
    closed = services.proposal_close(proposal=Proposal.objects.get(pk=proposal.pk))
    close_ms = (time.perf_counter() - start) * 1000
    Notice.objects.filter(kind="bench").delete()
    print(f"baseline one-row inserts: {baseline:,.0f}/s ({args.t} threads)")
    print(f"ballot_cast (cast or change): {voting:,.0f}/s ({args.t} threads)")
    print(f"ratio votes/inserts: {voting / baseline:.2f}")
    print(f"close of a secret vote with {args.n} ballots: {close_ms:.0f} ms ({closed.status})")
    print(json.dumps({"bench": "governance", "members": args.n, "threads": args.t,
                      "baseline_inserts_per_s": round(baseline), "votes_per_s": round(voting),
                      "ratio": round(voting / baseline, 3), "close_ms": round(close_ms)}))


if __name__ == "__main__":
    main()
