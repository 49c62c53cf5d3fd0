"""The report's figures, read back from the records of one run (assignments, attempts, appeals,
seats, brakes, payouts, ledger transactions, events): never from the simulation's own
intentions. Each table is a list of rows (tuples of str/int/float) with a header, in a fixed
order, so the same run gives byte-identical CSVs."""

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import gettext_noop as N  # the goals' words: the report says them in French

from coop.eventlog.models import Event
from coop.federation.models import RulebookVersion
from coop.simulation import model
from ledger.models import Payout, Transaction
from tasks.appeals.models import Appeal, JurySeat
from tasks.models import Assignment, Project
from tasks.qualifications.models import Attempt

A = Assignment.Status
REJECTED_EVER = (A.REJECTED, A.REJECTION_FINAL, A.APPEALED, A.UPHELD, A.OVERTURNED, A.FROZEN, A.VOIDED)
REJECTED_AT_END = (A.REJECTED, A.REJECTION_FINAL, A.APPEALED, A.UPHELD, A.FROZEN)
MIN_HOURS = 0.25  # members who worked less than this are left out of the hourly distributions


@dataclass
class Table:
    name: str
    header: tuple
    rows: list = field(default_factory=list)


@dataclass
class Figures:
    market: str
    tables: dict  # name -> Table
    goals: list  # (goal, value, target, passed, mechanism)
    notes: dict  # figures that are not byte-identical between runs (say so where shown)
    members: list = field(default_factory=list)  # per member: (behaviour, coop slug, policy, hours, earned)


def r(x, digits=2):
    """A float rounded for a CSV (so the text is stable)."""
    return round(float(x), digits)


def quantile(values, q):
    """The q-quantile by the nearest-rank method (q in [0, 1]); 0 for no values."""
    if not values:
        return 0
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, int(-(-q * len(ordered) // 1)) - 1))
    return ordered[index]


def hours_since(start, when):
    return (when - start).total_seconds() / 3600


def collect(market):
    world, start, name = market.world, market.start, market.config.rules
    slug = {coop.pk: coop.slug for coop in world.coops}
    floors = {(v.coop_id, v.number): v.parameters for v in RulebookVersion.objects.filter(coop__isnull=False)}
    policy = {coop.pk: floors[(coop.pk, 1)]["allocation_policy"] for coop in world.coops}
    atelier_floor = {coop.pk: {**{"floor_hourly_rate": 1200}, **model.ATELIER_COOPS[i % 3]["parameters"]}
                     ["floor_hourly_rate"] for i, coop in enumerate(world.coops)}
    projects = {p["pk"]: p for p in Project.objects.values(
        "pk", "coop_id", "organisation_id", "reward", "published_at", "fair_share_until", "rulebook_version",
        "floor_raises", "status")}
    behaviour_of_org = {req.org.pk: req.behaviour for req in world.requesters}
    member_of = world.by_user
    rows = list(Assignment.objects.order_by("pk").values(
        "pk", "member_id", "project_id", "status", "claimed_at", "submitted_at", "time_spent_seconds", "ended_at",
        "deadline_at", "rejection_reason", "rejection_explanation", "auto_approved", "rulebook_version",
        "reviewed_at", "finalised_at"))
    attempts = list(Attempt.objects.order_by("pk").values("member_id", "started_at", "submitted_at", "deadline_at",
                                                          "reward", "status", "test__qualification__coop_id"))
    tables = {}

    # --- per member: paid and unpaid time, earnings --------------------------------------------
    hours = defaultdict(float)
    earned = defaultdict(int)
    unpaid = defaultdict(float)  # (coop id, kind) -> minutes
    paid_rates = []  # (coop id, member id, seconds, reward)
    for a in rows:
        project = projects[a["project_id"]]
        coop_id = project["coop_id"]
        member = a["member_id"]
        if a["status"] in (A.RETURNED, A.EXPIRED):
            ended = a["ended_at"] or a["deadline_at"]
            minutes = max(0.0, (min(ended, a["deadline_at"]) - a["claimed_at"]).total_seconds() / 60)
            unpaid[(coop_id, "returned" if a["status"] == A.RETURNED else "expired")] += minutes
            hours[member] += minutes / 60
            continue
        if a["time_spent_seconds"] is None:
            continue  # claimed and still open when the run ended
        seconds = a["time_spent_seconds"]
        if a["status"] in Assignment.PAID_STATUSES:
            hours[member] += seconds / 3600
            earned[member] += project["reward"]
            paid_rates.append((coop_id, member, seconds, project["reward"], a["rulebook_version"]))
        if a["status"] in REJECTED_EVER:
            unpaid[(coop_id, "rejected_before_appeals")] += seconds / 60
        if a["status"] in REJECTED_AT_END:
            unpaid[(coop_id, "rejected_after_appeals")] += seconds / 60
            hours[member] += seconds / 3600
    for t in attempts:  # a test paid 0, or never submitted (expired: unpaid), is unpaid time
        if t["status"] == Attempt.Status.STARTED:
            continue  # still open when the run ended
        minutes = ((t["submitted_at"] or t["deadline_at"]) - t["started_at"]).total_seconds() / 60
        hours[t["member_id"]] += minutes / 60
        earned[t["member_id"]] += t["reward"] or 0
        if not t["reward"]:
            unpaid[(t["test__qualification__coop_id"], "qualification_tests")] += minutes

    per_member = []
    for user_id in sorted(hours):
        member = member_of.get(user_id)
        if member is None:
            continue
        coop = world.coops[member.coop]
        per_member.append((member.behaviour, coop.slug, policy[coop.pk], hours[user_id], earned[user_id]))

    def floor_at(coop_id, version):
        return floors.get((coop_id, version or 1), floors[(coop_id, 1)])["floor_hourly_rate"]

    earnings = Table("earnings", ("market", "group_kind", "group", "members", "hours_worked", "earned",
                                  "median_hourly", "p10_hourly", "paid_hours", "share_paid_hours_at_floor",
                                  "share_paid_hours_at_atelier_floor"))
    groups = [("all", lambda m: "all"), ("coop", lambda m: world.coops[m.coop].slug),
              ("policy", lambda m: policy[world.coops[m.coop].pk]), ("behaviour", lambda m: m.behaviour)]
    for kind, key in groups:
        buckets = defaultdict(list, {"all": []} if kind == "all" else {})
        for user_id in sorted(hours):
            member = member_of.get(user_id)
            if member is not None:
                buckets[key(member)].append(user_id)
        for group in sorted(buckets):
            ids = buckets[group]
            idset = set(ids)
            rates = [earned[u] / hours[u] for u in ids if hours[u] >= MIN_HOURS]
            mine = [p for p in paid_rates if p[1] in idset]
            paid_s = sum(p[2] for p in mine)
            at_floor = sum(p[2] for p in mine if p[3] * 3600 >= floor_at(p[0], p[4]) * p[2])
            at_atelier = sum(p[2] for p in mine if p[3] * 3600 >= atelier_floor[p[0]] * p[2])
            earnings.rows.append((name, kind, group, len(ids), r(sum(hours[u] for u in ids)),
                                  sum(earned[u] for u in ids), r(statistics.median(rates) if rates else 0),
                                  r(quantile(rates, 0.10)), r(paid_s / 3600), r(at_floor / paid_s if paid_s else 0, 4),
                                  r(at_atelier / paid_s if paid_s else 0, 4)))
    tables["earnings"] = earnings

    misses = Table("floor_misses", ("market", "requester_behaviour", "member_behaviour", "paid_hours",
                                    "below_floor_hours", "share_below"))
    below = defaultdict(lambda: [0, 0])
    requester_of = {pk: behaviour_of_org[p["organisation_id"]] for pk, p in projects.items()}
    for a in rows:
        if a["status"] in Assignment.PAID_STATUSES and a["member_id"] in member_of:
            project = projects[a["project_id"]]
            key = (requester_of[a["project_id"]], member_of[a["member_id"]].behaviour)
            below[key][0] += a["time_spent_seconds"]
            if project["reward"] * 3600 < floor_at(project["coop_id"], a["rulebook_version"]) * a["time_spent_seconds"]:
                below[key][1] += a["time_spent_seconds"]
    for (req, mem), (paid_s, below_s) in sorted(below.items()):
        misses.rows.append((name, req, mem, r(paid_s / 3600), r(below_s / 3600),
                            r(below_s / paid_s if paid_s else 0, 4)))
    tables["floor_misses"] = misses

    unpaid_table = Table("unpaid_minutes", ("market", "coop", "kind", "minutes"))
    kinds = ("qualification_tests", "returned", "expired", "rejected_before_appeals", "rejected_after_appeals")
    for coop in world.coops:
        for kind in kinds:
            unpaid_table.rows.append((name, coop.slug, kind, r(unpaid.get((coop.pk, kind), 0.0), 1)))
    tables["unpaid_minutes"] = unpaid_table

    # --- the fastest 10 % during the fair-share window -----------------------------------------
    medians = defaultdict(list)
    by_project = defaultdict(list)
    for a in rows:
        if a["time_spent_seconds"]:
            by_project[a["project_id"]].append(a["time_spent_seconds"])
    project_median = {pk: statistics.median(v) for pk, v in by_project.items()}
    for a in rows:
        if a["time_spent_seconds"]:
            medians[a["member_id"]].append(a["time_spent_seconds"] / project_median[a["project_id"]])
    speed = sorted((statistics.median(v), u) for u, v in medians.items() if len(v) >= 3)
    fastest = {u for _s, u in speed[:max(1, len(speed) // 10)]} if speed else set()
    claims = defaultdict(list)
    for a in rows:
        claims[a["project_id"]].append((a["claimed_at"], a["member_id"]))
    slots = dict(Project.objects.annotate(n=Count("slots")).values_list("pk", "n"))
    share_table = Table("fair_share", ("market", "project", "coop", "policy", "slots", "window_minutes",
                                       "claims_in_window", "fastest_claims_in_window", "share_of_batch"))
    for pk in sorted(projects):
        project = projects[pk]
        if not project["published_at"]:
            continue
        window = floors[(project["coop_id"], project["rulebook_version"])]["fair_share_window_minutes"] or 60
        until = project["published_at"].timestamp() + window * 60
        inside = [(when, u) for when, u in claims[pk] if when.timestamp() <= until]
        won = sum(1 for _w, u in inside if u in fastest)
        share_table.rows.append((name, pk, slug[project["coop_id"]], policy[project["coop_id"]], slots.get(pk, 0),
                                 window, len(inside), won, r(won / slots[pk] if slots.get(pk) else 0, 4)))
    tables["fair_share"] = share_table

    # --- rejections and appeals per requester behaviour ----------------------------------------
    appeals = list(Appeal.objects.filter(kind=Appeal.Kind.REJECTION).order_by("pk").values(
        "pk", "assignment_id", "status", "filed_at", "drawn_at", "decided_at", "organisation_id", "coop_id"))
    appeal_of = {a["assignment_id"]: a for a in appeals}
    frozen_events = set(int(s) for s in Event.objects.filter(type="assignment.frozen").values_list("subject_id",
                                                                                                  flat=True))
    confirmed_events = set(int(s) for s in Event.objects.filter(type="assignment.frozen_confirmed")
                           .values_list("subject_id", flat=True))
    stats = defaultdict(Counter)
    for a in rows:
        behaviour = behaviour_of_org[projects[a["project_id"]]["organisation_id"]]
        s = stats[behaviour]
        if a["status"] in Assignment.PAID_STATUSES or a["status"] in REJECTED_EVER:
            s["reviewed"] += 1
        if a["auto_approved"]:
            s["auto_approved"] += 1
        if a["status"] in REJECTED_EVER:
            s["rejected"] += 1
            if a["rejection_reason"] and len((a["rejection_explanation"] or "").strip()) >= 20:
                s["with_reason"] += 1
        if a["pk"] in frozen_events:
            s["frozen"] += 1
        if a["status"] == A.VOIDED:
            s["voided"] += 1
        appeal = appeal_of.get(a["pk"])
        if appeal:
            s["appealed"] += 1
            s[appeal["status"]] += 1
    rej = Table("rejections", ("market", "requester_behaviour", "reviewed", "auto_approved", "rejected",
                               "rejection_rate", "with_reason", "frozen_by_brake", "voided", "appealed",
                               "overturned", "upheld", "appeals_pending"))
    for behaviour in model.REQUESTER_BEHAVIOURS:
        s = stats[behaviour]
        rej.rows.append((name, behaviour, s["reviewed"], s["auto_approved"], s["rejected"],
                         r(s["rejected"] / s["reviewed"] if s["reviewed"] else 0, 4), s["with_reason"], s["frozen"],
                         s["voided"], s["appealed"], s["overturned"], s["upheld"],
                         s["awaiting_draw"] + s["jury"]))
    tables["rejections"] = rej

    releases = set(Transaction.objects.filter(key__startswith="assignment:", key__endswith=":release")
                   .values_list("key", flat=True))
    finalised = {a["pk"]: a["finalised_at"] for a in rows}
    seats = list(JurySeat.objects.order_by("pk").values("appeal_id", "status", "paid_at", "voted_at",
                                                         "appeal__juror_pay", "appeal__coop_id"))
    seat_counts = defaultdict(Counter)
    for seat in seats:
        seat_counts[seat["appeal_id"]][seat["status"]] += 1
    appeal_table = Table("appeals", ("market", "appeal", "requester_behaviour", "filed_h", "drawn_h", "decided_h",
                                     "decision", "paid_after_decision_h", "seats_invited", "seats_lapsed",
                                     "seats_declined"))
    for a in appeals:
        paid_after = ""
        if a["status"] == Appeal.Status.OVERTURNED:
            paid = f"assignment:{a['assignment_id']}:release" in releases
            paid_after = r(hours_since(a["decided_at"], finalised[a["assignment_id"]]), 3) if paid else "unpaid"
        c = seat_counts[a["pk"]]
        appeal_table.rows.append((
            name, a["pk"], behaviour_of_org.get(a["organisation_id"], ""), r(hours_since(start, a["filed_at"])),
            r(hours_since(start, a["drawn_at"])) if a["drawn_at"] else "", r(hours_since(start, a["decided_at"]))
            if a["decided_at"] else "", a["status"], paid_after, sum(c.values()), c["lapsed"], c["declined"]))
    tables["appeals"] = appeal_table

    # --- the brake ---------------------------------------------------------------------------
    engaged = Counter(e for e in Event.objects.filter(type="project.brake_engaged").values_list("coop_id", flat=True))
    brake = Table("brake", ("market", "coop", "engagements", "rejections_frozen", "voided_paid", "confirmed",
                            "voided_amount"))
    for coop in world.coops:
        frozen = [a for a in rows if a["pk"] in frozen_events and projects[a["project_id"]]["coop_id"] == coop.pk]
        voided = [a for a in frozen if a["status"] == A.VOIDED]
        brake.rows.append((name, coop.slug, engaged.get(coop.pk, 0), len(frozen), len(voided),
                           sum(1 for a in frozen if a["pk"] in confirmed_events),
                           sum(projects[a["project_id"]]["reward"] for a in voided)))
    tables["brake"] = brake

    # --- jurors --------------------------------------------------------------------------------
    jurors = Table("jurors", ("market", "coop", "appeals", "seats_invited", "seats_voted", "seats_lapsed",
                              "seats_declined", "seats_paid", "juror_pay_total", "members_working",
                              "seats_per_working_member"))
    working = Counter(world.coops[member_of[u].coop].pk for u in hours if u in member_of)
    for coop in world.coops:
        mine = [s for s in seats if s["appeal__coop_id"] == coop.pk]
        status = Counter(s["status"] for s in mine)
        paid = [s for s in mine if s["paid_at"]]
        jurors.rows.append((name, coop.slug, sum(1 for a in appeals if a["coop_id"] == coop.pk),
                            len(mine), status["voted"], status["lapsed"], status["declined"], len(paid),
                            sum(s["appeal__juror_pay"] for s in paid), working[coop.pk],
                            r(len(mine) / working[coop.pk] if working[coop.pk] else 0, 3)))
    tables["jurors"] = jurors

    funds = Table("funds", ("market", "day", "account", "treasury", "juror_fund"))
    for day, account, treasury, juror in market.series:
        funds.rows.append((name, day, account, treasury, juror))
    tables["funds"] = funds

    # --- payouts -------------------------------------------------------------------------------
    payouts = Table("payouts", ("market", "coop", "requested", "settled", "amount_settled", "median_hours_to_settle",
                                "p90_hours_to_settle", "max_hours_to_settle"))
    for coop in world.coops:
        mine = list(Payout.objects.filter(coop=coop).order_by("pk").values("status", "amount", "requested_at",
                                                                            "decided_at"))
        settled = [p for p in mine if p["status"] == Payout.Status.SETTLED]
        delays = [hours_since(p["requested_at"], p["decided_at"]) for p in settled]
        payouts.rows.append((name, coop.slug, len(mine), len(settled), sum(p["amount"] for p in settled),
                             r(statistics.median(delays) if delays else 0), r(quantile(delays, 0.9)),
                             r(max(delays) if delays else 0)))
    tables["payouts"] = payouts

    events = Table("events", ("market", "type", "count"))
    for type_, n in Event.objects.values_list("type").annotate(n=Count("pk")).order_by("type"):
        events.rows.append((name, type_, n))
    tables["events"] = events

    calls = Table("calls", ("market", "service", "calls"))
    for service in sorted(market.calls):
        calls.rows.append((name, service, market.calls[service]))
    for code in sorted(market.refusals):
        calls.rows.append((name, f"refused:{code}", market.refusals[code]))
    tables["calls"] = calls

    goals = goals_judge(name, tables, policy)
    goal_table = Table("goals", ("market", "goal", "value", "target", "result", "mechanism"))
    for goal, value, target, passed, mechanism in goals:
        goal_table.rows.append((name, goal, value, target, "PASS" if passed else "FAIL", mechanism))
    tables["goals"] = goal_table
    return Figures(market=name, tables=tables, goals=goals, notes={}, members=per_member)


FLOOR_MISSED = N("the floor binds the requester's estimate at publish, then the members' MEDIAN time after "
                "floor_check_submissions: every member slower than the median (or than the estimate, before the "
                "check) is paid under it. Below-floor paid hours by requester: {requesters}; by member: {members}")


def goals_judge(name, tables, policy):
    """The issue's five goals, each (goal, value, target, passed, mechanism that failed)."""
    goals = []
    everyone = next(row for row in tables["earnings"].rows if row[1] == "all")
    # the MTurk-like coops' floor is 0: measured against the Atelier coop's floor, to compare
    share = everyone[10] if name == "mturk" else everyone[9]
    by_requester, by_member = defaultdict(float), defaultdict(float)
    for row in tables["floor_misses"].rows:
        by_requester[row[1]] += row[4]
        by_member[row[2]] += row[4]
    total_below = sum(by_requester.values())

    def top(counter):
        return ", ".join(f"{k} {v / total_below:.0%}" for k, v in sorted(counter.items(), key=lambda kv: -kv[1])[:3])

    goals.append((N("paid hours at or above the coop floor"), f"{share:.1%}", ">= 95%", share >= 0.95,
                  "" if share >= 0.95 else
                  N("no floor in the rulebook: requesters pay their market rate (measured against the Atelier "
                    "coop's floor)") if name == "mturk" else
                  model.Said(FLOOR_MISSED, requesters=top(by_requester), members=top(by_member))))
    tests = sum(row[3] for row in tables["unpaid_minutes"].rows if row[2] == "qualification_tests")
    goals.append((N("unpaid qualification minutes"), f"{tests:,.0f}", "0", tests == 0,
                  "" if tests == 0 else N("qualification tests pay the coop's floor for their estimated time: "
                                          "a floor of 0 makes them unpaid")))
    fair = [row for row in tables["fair_share"].rows if row[3] == "fair_share" and row[4]]
    won, total = sum(row[7] for row in fair), sum(row[4] for row in fair)
    pooled = won / total if total else 0
    goals.append((N("batch share won by the fastest 10% under fair_share"), f"{pooled:.1%}" if fair else N("no batch"),
                  "<= 15%", bool(fair) and pooled <= 0.15,
                  "" if fair and pooled <= 0.15 else
                  (N("no coop runs fair_share in this market") if not fair else
                   N("the fair-share cap is ceil(slots / eligible members), one slot each when members outnumber "
                     "slots: it caps each member, not the fastest tenth as a group, who arrive first and each "
                     "take their one slot"))))
    rejected = sum(row[4] for row in tables["rejections"].rows)
    reasoned = sum(row[6] for row in tables["rejections"].rows)
    goals.append((N("rejections carrying a reason"), f"{reasoned}/{rejected}", "100%", reasoned == rejected,
                  "" if reasoned == rejected else N("a rejection was recorded without a reason")))
    delays = [row[7] for row in tables["appeals"].rows if row[6] == "overturned"]
    late = [d for d in delays if d == "unpaid" or d > 24]
    goals.append((N("overturned appeals paid within 24 h of the decision"),
                  f"{len(delays) - len(late)}/{len(delays)}" if delays else N("no overturned appeal"), "100%",
                  not late and bool(delays),
                  "" if delays and not late else (N("no appeal was overturned in this run") if not delays else
                                                  N("an overturned appeal's release did not follow its decision"))))
    return goals
