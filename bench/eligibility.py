"""Benchmark: eligibility with required qualifications, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atelier_quals .venv/bin/python bench/eligibility.py

Builds, inside one transaction that is rolled back at the end (nothing is kept):
  - a coop of --members members (profiles, memberships), half of them with approved
    transcription work (one project of assignments), a third holding a requester's test
    qualification;
  - three required qualifications: "approved >= 3 transcription tasks and approval rate >= 90
    over the last 20 (min 3)", "30 days of membership and French" (computed), and the test one;
  - --projects open projects of that coop, each requiring the three.
Then measures:
  1. eligibility of every member for one project: `members_meeting` (the requester's "how many
     are eligible" count), total and per member; baseline: reading the members' ids and
     profiles (the least any count must read);
  2. `project_eligibility` (the marketplace's entry point, all checks) for sampled members;
  3. the task feed of one member: `projects_eligibility` over the open projects, p50/p95 over
     --runs; baseline: listing the same projects with their coop and organisation.
The last line is one JSON object with the figures.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coop.settings")


class Rollback(Exception):
    pass


def ms(seconds):
    return round(seconds * 1000, 3)


def timed(fn, runs):
    samples = []
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return result, statistics.median(samples), p95


def build(members, projects):
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import MemberProfile, Organisation, OrganisationStaff, User
    from coop.federation import rulebook as spec
    from coop.federation.models import Coop, Federation, Membership, RulebookVersion
    from tasks.models import Assignment, Project, Slot, Task
    from tasks.qualifications.models import QualificationGrant
    from tasks.qualifications.services import (
        project_requirements_set,
        qualification_create,
        qualification_test_create,
    )

    now = timezone.now()
    tag = f"bench{int(time.time())}"
    federation = Federation.objects.order_by("pk").first() or Federation.objects.create(name="Bench", currency="USD")
    if not RulebookVersion.objects.filter(coop__isnull=True).exists():
        RulebookVersion.objects.create(coop=None, number=1, parameters=spec.default_federation_bounds())
    coop = Coop.objects.create(federation=federation, name=tag, slug=tag, country="MG")
    RulebookVersion.objects.create(coop=coop, number=1, parameters=spec.default_parameters())
    password = make_password(None)  # unusable: nobody logs in as a bench member
    users = User.objects.bulk_create([User(email=f"{tag}-{i}@bench.example", password=password)
                                      for i in range(members + 2)])
    steward_user, owner = users[-2], users[-1]
    people = users[:members]
    MemberProfile.objects.bulk_create([MemberProfile(user=u, display_name=f"M{i}", country="MG",
                                                     languages=["fr", "mg"] if i % 4 else ["en"])
                                       for i, u in enumerate(users)])
    Membership.objects.bulk_create(
        [Membership(user=u, coop=coop, status="active", joined_at=now - timedelta(days=(i * 7) % 400))
         for i, u in enumerate(people)]
        + [Membership(user=steward_user, coop=coop, status="active", role="steward", joined_at=now)])
    org = Organisation.objects.create(name=tag, slug=tag)
    OrganisationStaff.objects.create(organisation=org, user=owner, role="owner")

    work = Project.objects.create(coop=coop, organisation=org, created_by=owner, status="open", title="done work",
                                  category="transcription", reward=50, estimated_minutes=2, published_at=now)
    tasks = Task.objects.bulk_create([Task(project=work, data={}) for _ in range(5)])
    slots = Slot.objects.bulk_create([Slot(task=t, project=work, number=n, status="taken")
                                      for t in tasks for n in range(members)])
    by_task = {}
    for s in slots:
        by_task.setdefault(s.task_id, []).append(s)
    rows = []
    for i, u in enumerate(people[: members // 2]):
        for k, t in enumerate(tasks):
            status = "rejection_final" if (i + k) % 9 == 0 else "approved"
            when = now - timedelta(days=k)
            rows.append(Assignment(slot=by_task[t.pk][i], task=t, project=work, member=u, status=status,
                                   claimed_at=when, deadline_at=when, reviewed_at=when,
                                   finalised_at=when if status == "rejection_final" else None))
    Assignment.objects.bulk_create(rows, batch_size=5000)

    q1 = qualification_create(actor=owner, coop=coop, organisation=org, name="Reliable transcriber",
                              kind="computed", rule={"all": [
                                  {"metric": "approved_assignments", "op": ">=", "value": 3,
                                   "params": {"category": "transcription"}},
                                  {"metric": "approval_rate", "op": ">=", "value": 90,
                                   "params": {"last": 20, "min_count": 3}}]})
    q2 = qualification_create(actor=owner, coop=coop, organisation=org, name="French speaker", kind="computed",
                              rule={"all": [{"metric": "tenure_days", "op": ">=", "value": 30},
                                            {"metric": "languages", "op": "has", "value": "fr"}]})
    test = qualification_test_create(
        actor=owner, coop=coop, organisation=org, name="Tested", questions=[
            {"name": "a", "type": "single_choice", "label": "A?", "choices": ["x", "y"]}],
        answer_key={"a": "x"}, pass_mark=100, time_limit_minutes=10, retry_hours=0, estimated_minutes=5,
        reward=100)
    q3 = test.qualification
    QualificationGrant.objects.bulk_create(
        [QualificationGrant(qualification=q3, member=u, version=q3.current_version, source="test",
                            evidence={"score": 100}) for i, u in enumerate(people) if i % 3 == 0])
    open_projects = Project.objects.bulk_create(
        [Project(coop=coop, organisation=org, created_by=owner, status="open", title=f"P{i}", category="transcription",
                 reward=50, estimated_minutes=2, published_at=now, rulebook_version=1) for i in range(projects)])
    for p in open_projects:
        project_requirements_set(actor=owner, project=p, qualifications=[q1, q2, q3])
    return coop, people, [q1, q2, q3], open_projects


def main():
    from scripts.ensure_db import ensure_database

    ensure_database()  # a fresh machine: create the database named in DATABASE_URL
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--sample", type=int, default=200)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, transaction

    if not settings.DATABASE_IS_POSTGRES:
        sys.exit("Run on PostgreSQL: DATABASE_URL=postgres://... (figures on SQLite mean little)")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from accounts.models import MemberProfile
    from coop.federation.models import Membership
    from tasks.eligibility import project_eligibility, projects_eligibility
    from tasks.models import Project
    from tasks.qualifications.selectors import members_meeting

    figures = {}
    try:
        with transaction.atomic():
            start = time.perf_counter()
            coop, people, quals, open_projects = build(args.members, args.projects)
            figures["setup_s"] = round(time.perf_counter() - start, 1)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

            def baseline_count():
                ids = list(Membership.objects.filter(coop=coop, status="active").values_list("user_id", flat=True))
                return len(list(MemberProfile.objects.filter(user_id__in=ids).values_list("languages", flat=True)))

            _n, base_med, _p = timed(baseline_count, 5)
            eligible, count_med, count_p95 = timed(lambda: len(members_meeting(coop=coop.pk, qualifications=quals)),
                                                   5)
            figures.update({
                "members": args.members, "eligible": eligible,
                "count_all_ms": ms(count_med), "per_member_us": round(count_med / args.members * 1e6, 2),
                "count_baseline_ms": ms(base_med), "count_ratio": round(count_med / base_med, 2),
            })
            print(f"eligible members for a project with 3 qualifications: {eligible} of {args.members}")
            print(f"  members_meeting: {ms(count_med)} ms median ({figures['per_member_us']} us per member), "
                  f"baseline (ids + profiles) {ms(base_med)} ms, ratio {figures['count_ratio']}")

            project = open_projects[0]
            sample = random.Random(8).sample(people, min(args.sample, len(people)))
            start = time.perf_counter()
            eligible_sampled = sum(1 for m in sample if not project_eligibility(member=m, project=project))
            per_eval = (time.perf_counter() - start) / len(sample)
            figures.update({"project_eligibility_ms": ms(per_eval), "sampled": len(sample),
                            "sampled_eligible": eligible_sampled})
            print(f"project_eligibility (all checks, explain for the unmet): {ms(per_eval)} ms per member "
                  f"({eligible_sampled}/{len(sample)} eligible)")

            holder = next(m for m in people if not project_eligibility(member=m, project=project))
            lacking = next(m for m in people if project_eligibility(member=m, project=project))

            def listing():
                return list(Project.objects.select_related("coop", "organisation").filter(coop=coop, status="open"))

            _r, list_med, list_p95 = timed(listing, args.runs)

            def feed(member):
                return projects_eligibility(member=member, projects=listing())

            _r, feed_med, feed_p95 = timed(lambda: feed(holder), args.runs)
            _r, lack_med, lack_p95 = timed(lambda: feed(lacking), args.runs)
            figures.update({
                "projects": len(open_projects), "feed_eligible_p50_ms": ms(feed_med), "feed_eligible_p95_ms":
                ms(feed_p95), "feed_not_eligible_p50_ms": ms(lack_med), "feed_not_eligible_p95_ms": ms(lack_p95),
                "feed_baseline_p95_ms": ms(list_p95), "feed_ratio_p95": round(feed_p95 / list_p95, 2),
            })
            print(f"feed of {len(open_projects)} open projects (3 qualifications each):")
            print(f"  member holding them: p50 {ms(feed_med)} ms, p95 {ms(feed_p95)} ms")
            print(f"  member lacking them (with explanations): p50 {ms(lack_med)} ms, p95 {ms(lack_p95)} ms")
            print(f"  baseline (listing the projects): p95 {ms(list_p95)} ms; ratio {figures['feed_ratio_p95']}")
            raise Rollback
    except Rollback:
        pass
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
