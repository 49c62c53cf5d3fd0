"""The bank: the money-moving services of the marketplace driven at random, under faults, then
the books checked (issue 24). `tests/reliability/test_bank.py` runs it for seconds in CI,
`bench/bank.py` for as many operations as asked; both use this module.

What runs:
- `workers` threads, each with its own database connection and API client, pick operations
  at random (weights in `WEIGHTS`): claims, submits, returns, expiries, approvals (single,
  bulk, automatic), rejections and their finalisation, revision requests, bonuses, payouts
  (request, settle with four eyes above the threshold, fail), deposits, new projects and
  tasks, project cancels, and the solidarity fund (issue 23: gifts, the day's fee share,
  hardship requests granted by two stewards). The requester and payout ones go through the API with an
  `Idempotency-Key`; some of those are sent again later with the same key (`replay`) or
  twice at once from two threads (`race`).
- A fault thread terminates a random backend of the database (`pg_terminate_backend`) every
  `fault_interval` seconds, the sequencer's included.
- A sequencer thread runs `sequencer_run` (it must survive the faults).
A worker that loses its connection closes it and sends the same operation again with the
same key, as a client retrying a timeout does. A deadlock or serialisation failure that
reaches the caller (a 500) is counted; so is any other unexpected exception.

Then `invariants()` checks the books (see its docstring). Everything is derived from `seed`:
each worker's choices come from `Random(f"{seed}:{worker}")`; the threads' interleaving and
the faults' timing are not reproducible, so a replay with the same seed runs the same mix,
not the same schedule."""

import collections
import contextlib
import hashlib
import json
import logging
import queue
import random
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import timedelta

import psycopg
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.utils import timezone

from coop.core.errors import DomainError
from coop.eventlog.sequencer_loop import CONNECTION_ERRORS, connection_lost, sequencer_run

WEIGHTS = {
    "claim": 14, "submit": 12, "return": 3, "expire": 2,
    "approve": 6, "approve_bulk": 3, "auto_approve": 3, "reject": 3, "revision": 1, "finalise": 2,
    "bonus": 3, "payout_request": 5, "payout_settle": 4, "payout_fail": 1,
    "deposit": 2, "project_new": 1, "tasks_add": 1, "cancel": 1,
    "solidarity_give": 2, "fee_share": 1, "hardship_apply": 1, "hardship_approve": 2,
    "replay": 5, "race": 3,
}
RACEABLE = ("approve", "approve_bulk", "bonus", "payout_request", "cancel", "reject", "deposit")
MAX_TRIES = 12
FAR = timedelta(days=30)  # past every deadline: time limits, auto-approval, appeal windows
FORM = [{"name": "label", "type": "single_choice", "label": "Is there a cat?", "choices": ["yes", "no"]}]
REJECT_EXPLANATION = "The answer does not match the picture at all."
HARDSHIP_STATEMENT = "My phone was stolen and I could not work for two weeks."
FOUR_EYES = 50_000


# --- the world ---------------------------------------------------------------------------

@dataclass
class World:
    coop: object
    operator: object
    stewards: list
    members: list
    orgs: list  # [(organisation, owner)]
    deposited: int = 0


def unthrottled(settings):
    """The bank is a load generator, not a client: switch the per-user API rate limit off."""
    rates = dict(getattr(settings, "THROTTLE_RATES", None) or {})
    rates.update({"user": None, "anon": None, "api_key": None})
    settings.THROTTLE_RATES = rates


def world_build(*, tag, members=10, orgs=3, projects=3, funds=10**9):
    """A coop with two stewards and `members` members, `orgs` requesters (terms accepted,
    `funds` deposited each) and `projects` published projects."""
    from accounts.models import Organisation, OrganisationStaff, TermsAcceptance, TermsVersion, User
    from coop.federation.models import Membership
    from coop.federation.services import coop_create
    from ledger.services import deposit_record

    operator = User.objects.create_superuser(email=f"operator-{tag}@bank.example", password="x")
    stewards = [User.objects.create_user(email=f"steward{i}-{tag}@bank.example", password="x") for i in range(2)]
    coop = coop_create(operator=operator, name=f"Bank {tag}", slug=f"bank-{tag}"[:50], stewards=stewards,
                       parameters={"max_open_assignments": 20, "allocation_policy": "first_come"})
    users = [User.objects.create_user(email=f"m{i}-{tag}@bank.example", password="x") for i in range(members)]
    Membership.objects.bulk_create([Membership(user=u, coop=coop, status="active") for u in users])
    terms = TermsVersion.objects.order_by("-number").first() or TermsVersion.objects.create(number=1, text="Bank")
    world = World(coop=coop, operator=operator, stewards=stewards, members=users, orgs=[])
    for i in range(orgs):
        org = Organisation.objects.create(name=f"Bank lab {i} {tag}", slug=f"bank-lab-{i}-{tag}"[:50])
        owner = User.objects.create_user(email=f"owner{i}-{tag}@bank.example", password="x")
        OrganisationStaff.objects.create(organisation=org, user=owner, role="owner")
        TermsAcceptance.objects.create(organisation=org, version=terms, accepted_by=owner)
        deposit_record(operator=operator, organisation=org, amount=funds, reference=f"bank-{tag}-{i}")
        world.deposited += funds
        world.orgs.append((org, owner))
    rng = random.Random(tag)
    for n in range(projects):
        project_publish_new(world, rng, n)
    return world


def project_publish_new(world, rng, n):
    from tasks.services import project_create, project_publish, tasks_add

    org, owner = rng.choice(world.orgs)
    project = project_create(actor=owner, organisation=org, coop=world.coop, title=f"Bank project {n}",
                             category="bank", question_form=FORM, reward=rng.randint(100, 5000),
                             estimated_minutes=2, assignments_per_task=rng.randint(1, 2), time_limit_minutes=30)
    tasks_add(actor=owner, project=project, rows=[{"n": i} for i in range(rng.randint(5, 30))])
    return project_publish(actor=owner, project=project)


# --- what happened -----------------------------------------------------------------------

def _digest(status, body):
    return hashlib.sha256(json.dumps([status, body], sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class KeyState:
    """What the answers to one Idempotency-Key were: the first success (its digest and end
    time) and the last end time of a refusal. A refusal that ends after a success ended, or
    two different successes, mean the key did not hold."""

    kind: str
    success: str | None = None
    success_end: float = 0.0
    refusal_end: float = 0.0
    refusal: str = ""
    unknown: bool = False


@dataclass
class Tracker:
    lock: threading.Lock = field(default_factory=threading.Lock)
    ops: collections.Counter = field(default_factory=collections.Counter)
    outcomes: collections.Counter = field(default_factory=collections.Counter)
    lost: int = 0  # connection losses seen by workers (each retried)
    surfaced: collections.Counter = field(default_factory=collections.Counter)  # deadlocks etc. as 500s
    busy: collections.Counter = field(default_factory=collections.Counter)  # 503 busy answers (retried)
    faults: int = 0
    errors: list = field(default_factory=list)
    keys: collections.OrderedDict = field(default_factory=collections.OrderedDict)
    key_limit: int = 200_000
    succeeded: collections.Counter = field(default_factory=collections.Counter)  # keys with a success, per kind
    unknown: collections.Counter = field(default_factory=collections.Counter)  # keys that never got an answer
    violations: list = field(default_factory=list)
    recent: collections.deque = field(default_factory=lambda: collections.deque(maxlen=300))
    done: int = 0  # operations that called a service or the API (a retry after a lost connection is the same one)
    merged_keys: int = 0  # keys counted by worker processes (bench)

    def answered(self, kind, key, end, status, body):
        ok = 200 <= status < 300
        with self.lock:
            state = self.keys.get(key)
            if state is None:
                state = self.keys[key] = KeyState(kind=kind)
                if len(self.keys) > self.key_limit:
                    self.keys.popitem(last=False)
            if ok:
                digest = _digest(status, body)
                if state.success is None:
                    state.success, state.success_end = digest, end
                    self.succeeded[kind] += 1
                    if state.unknown:
                        state.unknown = False
                        self.unknown[kind] -= 1
                elif digest != state.success and len(self.violations) < 50:
                    self.violations.append(f"{key}: two different successful answers ({kind})")
            else:
                state.refusal_end = max(state.refusal_end, end)
                state.refusal = f"{status} {body.get('code') if isinstance(body, dict) else body}"
            if state.success is not None and state.refusal_end > state.success_end and len(self.violations) < 50:
                self.violations.append(f"{key}: answered {state.refusal} after its first success ({kind})")
                state.refusal_end = 0.0

    def gave_up(self, kind, key):
        with self.lock:
            state = self.keys.setdefault(key, KeyState(kind=kind))
            if state.success is None and not state.unknown:
                state.unknown = True
                self.unknown[kind] += 1

    def error(self, kind, exc):
        with self.lock:
            if len(self.errors) < 20:
                self.errors.append(f"{kind}: {''.join(traceback.format_exception(exc))[-3000:]}")
            else:
                self.errors.append(f"{kind}: {exc!r}")


# --- failures ----------------------------------------------------------------------------

def _sqlstate(exc):
    seen = 0
    while exc is not None and seen < 5:
        state = getattr(exc, "sqlstate", None)
        if state:
            return state
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def failure_kind(exc):
    """'serialization' (deadlock, serialisation failure), 'connection' (the connection died:
    retry), or 'error' (anything else: a bug)."""
    state = _sqlstate(exc)
    if state in ("40P01", "40001"):
        return "serialization"
    if isinstance(exc, CONNECTION_ERRORS) and connection_lost(exc):
        return "connection"
    if isinstance(exc, DatabaseError) and state and state.startswith(("57P", "08")):
        return "connection"
    return "error"


def _reset_connection():
    with contextlib.suppress(DatabaseError, psycopg.Error):
        connection.close()


@contextlib.contextmanager
def persistent_connections():
    """Keep each thread's connection open between requests while the bank runs.

    With the project's `CONN_MAX_AGE = 0`, `close_old_connections` closes a connection at the
    end of every request and every sequencer round. The test client detaches that handler
    around its own request, but through a global signal: with several threads, one thread's
    request often ends while another has reattached it, so about one operation in three
    reconnected (a new backend, cold catalogue caches), which cost more than the operation.
    A fault still kills connections: a worker reconnects when it finds its own dead."""
    settings_dict = connections.settings[DEFAULT_DB_ALIAS]
    before = settings_dict.get("CONN_MAX_AGE", 0)
    settings_dict["CONN_MAX_AGE"] = None
    try:
        yield
    finally:
        settings_dict["CONN_MAX_AGE"] = before


# --- a worker ----------------------------------------------------------------------------

@dataclass
class Op:
    kind: str
    api: tuple | None = None  # (user, path, body, key)
    call: object = None  # a function for the services without an API key


class Twin:
    """The second sender of a worker's races: one thread kept for the whole run, with its own
    API client and database connection (a thread per race opened a connection per race)."""

    def __init__(self, worker):
        self.worker = worker
        self.jobs = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._loop, name=f"bank-twin-{worker.number}", daemon=True)
        self.thread.start()

    def send(self, op, barrier):
        done = threading.Event()
        self.jobs.put((op, barrier, done))
        return done

    def close(self):
        self.jobs.put(None)
        self.thread.join(120)

    def _loop(self):
        from rest_framework.test import APIClient

        client = APIClient()
        try:
            while (job := self.jobs.get()) is not None:
                op, barrier, done = job
                try:
                    with contextlib.suppress(threading.BrokenBarrierError):
                        barrier.wait(5)
                    self.worker.run_op(op, client=client)
                except Exception as exc:  # noqa: BLE001 - reported with the others, the twin carries on
                    self.worker.tracker.error(f"{op.kind} (twin)", exc)
                finally:
                    done.set()
        finally:
            connections.close_all()


class Worker:
    def __init__(self, world, tracker, *, seed, number, budget):
        from rest_framework.test import APIClient

        self.world, self.tracker, self.number = world, tracker, number
        self.rng = random.Random(f"{seed}:{number}")
        self.seed = seed
        self.client = APIClient()
        self.budget = budget  # callable: True while this worker may run one more operation
        self.twin = None  # started at the first race
        self.n = 0
        self.projects = []  # (project id, organisation id) of open projects, refreshed now and then
        self.kinds = list(WEIGHTS)
        self.weights = [WEIGHTS[k] for k in self.kinds]

    # -- plumbing
    def key(self):
        return f"bank-{self.seed}-{self.number}-{self.n}"

    def owner_of(self, org_id):
        return next(owner for org, owner in self.world.orgs if org.pk == org_id)

    def post(self, user, path, body, key, client=None):
        client = client or self.client
        client.force_authenticate(user)
        response = client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
        return response.status_code, response.json() if response.content else None

    def run_op(self, op, client=None):
        """Run `op` until it has an answer, retrying the same key after a lost connection."""
        tracker = self.tracker
        for attempt in range(MAX_TRIES):
            try:
                if op.api:
                    user, path, body, key = op.api
                    status, answer = self.post(user, path, body, key, client)
                    if status == 503:  # busy: a deadlock retried to its bound; a client retries
                        with tracker.lock:
                            tracker.busy[op.kind] += 1
                        time.sleep(0.05 * (attempt + 1))
                        continue
                    tracker.answered(op.kind, key, time.monotonic(), status, answer)
                    code = "ok" if status < 300 else (answer or {}).get("code", str(status))
                else:
                    op.call()
                    code = "ok"
            except DomainError as exc:
                code = exc.code
            except Exception as exc:  # noqa: BLE001 - classified, counted and reported
                what = failure_kind(exc)
                _reset_connection()
                if what == "connection":
                    with tracker.lock:
                        tracker.lost += 1
                    time.sleep(0.02 * (attempt + 1))
                    continue
                if what == "serialization":
                    with tracker.lock:
                        tracker.surfaced[op.kind] += 1
                    continue
                tracker.error(op.kind, exc)
                code = "error"
            with tracker.lock:
                tracker.outcomes[(op.kind, code)] += 1
                if op.kind != "refresh":
                    tracker.done += 1
            return code
        if op.api:
            tracker.gave_up(op.kind, op.api[3])
        with tracker.lock:
            tracker.outcomes[(op.kind, "gave_up")] += 1
            tracker.done += 1
        return "gave_up"

    def race(self, op):
        """Send `op` from this thread and from this worker's twin at the same moment (same key)."""
        if self.twin is None:
            self.twin = Twin(self)
        barrier = threading.Barrier(2)
        done = self.twin.send(op, barrier)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(5)
        self.run_op(op)
        done.wait(120)

    def refresh_projects(self):
        from tasks.models import Project

        self.projects = list(Project.objects.filter(coop_id=self.world.coop.pk, status=Project.Status.OPEN)
                             .order_by("-pk").values_list("pk", "organisation_id")[:12])

    def pick(self, qs, n=30):
        rows = list(qs[:n])
        return self.rng.choice(rows) if rows else None

    # -- the loop
    def run(self):
        try:
            while self.budget():
                self.n += 1
                if self.n % 50 == 1 or not self.projects:
                    self.run_op(Op("refresh", call=self.refresh_projects))
                kind = self.rng.choices(self.kinds, self.weights)[0]
                with self.tracker.lock:
                    self.tracker.ops[kind] += 1
                if kind == "replay":
                    with self.tracker.lock:
                        earlier = self.rng.choice(self.tracker.recent) if self.tracker.recent else None
                    if earlier:
                        self.run_op(earlier)
                    continue
                racing = kind == "race"
                if racing:
                    kind = self.rng.choice(RACEABLE)
                op = self.build(kind)
                if op is None:
                    with self.tracker.lock:
                        self.tracker.outcomes[(kind, "nothing_to_do")] += 1
                    continue
                if op.api:
                    with self.tracker.lock:
                        self.tracker.recent.append(op)
                if racing and op.api:
                    self.race(op)
                else:
                    self.run_op(op)
        finally:
            if self.twin is not None:
                self.twin.close()
            connections.close_all()

    # -- the operations: each returns an Op, or None when there is nothing to act on now
    def build(self, kind):
        try:
            return getattr(self, f"op_{kind}")()
        except Exception as exc:  # noqa: BLE001 - choosing a target can meet a dead connection too
            if failure_kind(exc) == "error":
                self.tracker.error(f"{kind} (choosing)", exc)
            else:
                with self.tracker.lock:
                    self.tracker.lost += 1
            _reset_connection()
            return None

    def _member(self):
        return self.rng.choice(self.world.members)

    def op_claim(self):
        from tasks.models import Project
        from tasks.services import assignment_claim

        if not self.projects:
            return None
        project_id, _org = self.rng.choice(self.projects)
        member = self._member()

        def call():
            try:
                assignment_claim(member=member, project=Project(pk=project_id, coop_id=self.world.coop.pk))
            except DomainError as exc:
                if exc.code in ("no_free_slot", "project_not_open"):
                    self.projects = [p for p in self.projects if p[0] != project_id]
                raise

        return Op("claim", call=call)

    def _own_open(self, member, statuses):
        from tasks.models import Assignment

        return self.pick(Assignment.objects.filter(member=member, status__in=statuses)
                         .order_by("pk").values_list("pk", flat=True))

    def op_submit(self):
        from tasks.services import assignment_submit

        member = self._member()
        pk = self._own_open(member, ["claimed", "revision_requested"])
        if pk is None:
            return None
        answers = {"label": self.rng.choice(["yes", "no"])}
        return Op("submit", call=lambda: assignment_submit(member=member, assignment=pk, answers=answers))

    def op_return(self):
        from tasks.services import assignment_return

        member = self._member()
        pk = self._own_open(member, ["claimed"])
        if pk is None:
            return None
        return Op("return", call=lambda: assignment_return(member=member, assignment=pk))

    def op_expire(self):
        from tasks.models import Assignment
        from tasks.services import assignment_expire

        pk = self.pick(Assignment.objects.filter(status__in=["claimed", "revision_requested"]).order_by("pk")
                       .values_list("pk", flat=True))
        if pk is None:
            return None
        return Op("expire", call=lambda: assignment_expire(assignment_id=pk, now=timezone.now() + FAR))

    def _submitted(self):
        from tasks.models import Assignment

        return self.pick(Assignment.objects.filter(status="submitted").order_by("pk")
                         .values_list("pk", "project_id", "project__organisation_id"))

    def op_approve(self):
        row = self._submitted()
        if row is None:
            return None
        pk, _project, org_id = row
        return Op("approve", api=(self.owner_of(org_id), f"/api/assignments/{pk}/approve/", {}, self.key()))

    def op_approve_bulk(self):
        from tasks.models import Assignment

        row = self._submitted()
        if row is None:
            return None
        _pk, project_id, org_id = row
        ids = list(Assignment.objects.filter(project_id=project_id, status="submitted").order_by("pk")
                   .values_list("pk", flat=True)[:6])
        if not ids:
            return None
        ids = self.rng.sample(ids, self.rng.randint(1, len(ids)))
        return Op("approve_bulk", api=(self.owner_of(org_id), f"/api/projects/{project_id}/assignments/approve/",
                                       {"ids": ids}, self.key()))

    def op_auto_approve(self):
        from tasks.services import assignment_auto_approve

        row = self._submitted()
        if row is None:
            return None
        return Op("auto_approve", call=lambda: assignment_auto_approve(assignment_id=row[0],
                                                                       now=timezone.now() + FAR))

    def op_reject(self):
        row = self._submitted()
        if row is None:
            return None
        pk, _project, org_id = row
        body = {"reason": self.rng.choice(["instructions_not_followed", "incomplete", "spam"]),
                "explanation": REJECT_EXPLANATION}
        return Op("reject", api=(self.owner_of(org_id), f"/api/assignments/{pk}/reject/", body, self.key()))

    def op_revision(self):
        row = self._submitted()
        if row is None:
            return None
        pk, _project, org_id = row
        return Op("revision", api=(self.owner_of(org_id), f"/api/assignments/{pk}/revision/",
                                   {"comment": "Please look at the picture again."}, self.key()))

    def op_finalise(self):
        from tasks.models import Assignment
        from tasks.services import assignment_rejection_finalise

        pk = self.pick(Assignment.objects.filter(status="rejected").order_by("pk").values_list("pk", flat=True))
        if pk is None:
            return None
        return Op("finalise", call=lambda: assignment_rejection_finalise(assignment_id=pk, now=timezone.now() + FAR))

    def op_bonus(self):
        from tasks.models import Assignment

        row = self.pick(Assignment.objects.filter(status__in=["submitted", "approved"]).order_by("-pk")
                        .values_list("pk", "project__organisation_id"))
        if row is None:
            return None
        pk, org_id = row
        amount = self.rng.choice([self.rng.randint(1, 2000), self.rng.randint(10_000, 60_000)])
        return Op("bonus", api=(self.owner_of(org_id), f"/api/assignments/{pk}/bonus/",
                                {"amount": amount, "reason": "Careful work, thank you."}, self.key()))

    def op_payout_request(self):
        from ledger.selectors import wallet_balance

        member = self._member()
        balance = wallet_balance(user=member)
        if balance < 500:
            return None
        amount = self.rng.randint(500, min(balance, 2 * FOUR_EYES) + 200)  # sometimes more than there is
        return Op("payout_request", api=(member, "/api/ledger/payouts/",
                                         {"amount": amount, "method": "mobile_money"}, self.key()))

    def _open_payout(self):
        from ledger.models import Payout

        return self.pick(Payout.objects.filter(status__in=Payout.OPEN).order_by("pk")
                         .values_list("pk", "status", "first_steward_id"))

    def op_payout_settle(self):
        from ledger.models import Payout
        from ledger.services import payout_settle

        row = self._open_payout()
        if row is None:
            return None
        pk, status, first = row
        stewards = [s for s in self.world.stewards if s.pk != first] if status == "awaiting_second" else \
            self.world.stewards
        steward = self.rng.choice(stewards)
        return Op("payout_settle", call=lambda: payout_settle(steward=steward, payout=Payout(pk=pk),
                                                              reference=f"bank-ref-{pk}"))

    def op_payout_fail(self):
        from ledger.models import Payout
        from ledger.services import payout_fail

        row = self._open_payout()
        if row is None:
            return None
        steward = self.rng.choice(self.world.stewards)
        return Op("payout_fail", call=lambda: payout_fail(steward=steward, payout=Payout(pk=row[0]),
                                                          reason="The mobile money number was wrong."))

    def op_deposit(self):
        org, _owner = self.rng.choice(self.world.orgs)
        key = self.key()
        return Op("deposit", api=(self.world.operator, "/api/ledger/deposits/",
                                  {"organisation": org.pk, "amount": self.rng.randint(1000, 5_000_000),
                                   "reference": f"wire-{key}"}, key))

    def op_project_new(self):
        n = f"{self.number}-{self.n}"
        rng = random.Random(f"{self.seed}:{n}")

        def call():
            project = project_publish_new(self.world, rng, n)
            self.projects.insert(0, (project.pk, project.organisation_id))

        return Op("project_new", call=call)

    def op_tasks_add(self):
        if not self.projects:
            return None
        project_id, org_id = self.rng.choice(self.projects)
        rows = [{"n": i} for i in range(self.rng.randint(1, 5))]
        return Op("tasks_add", api=(self.owner_of(org_id), f"/api/projects/{project_id}/tasks/", {"tasks": rows},
                                    self.key()))

    def op_cancel(self):
        if len(self.projects) < 3:
            return None
        project_id, org_id = self.rng.choice(self.projects)
        return Op("cancel", api=(self.owner_of(org_id), f"/api/projects/{project_id}/cancel/", {}, self.key()))

    # -- the solidarity fund (issue 23; docs/solidarity.md), through its services
    def op_solidarity_give(self):
        from ledger.selectors import wallet_balance
        from ledger.services.solidarity import solidarity_contribute

        member, key = self._member(), self.key()
        amount = self.rng.randint(1, 300)
        if wallet_balance(user=member) < amount:
            return None
        return Op("solidarity_give", call=lambda: solidarity_contribute(user=member, amount=amount, key=key))

    def op_fee_share(self):
        from ledger.services.solidarity import solidarity_fee_share_move

        day = timezone.now().date()  # today so far: keyed by the day, so one moves and the others replay it
        return Op("fee_share", call=lambda: solidarity_fee_share_move(coop=self.world.coop.pk, day=day))

    def op_hardship_apply(self):
        from ledger.services.hardship import hardship_apply

        member, amount = self._member(), self.rng.randint(100, 3000)
        return Op("hardship_apply", call=lambda: hardship_apply(user=member, reason="no_work",
                                                                statement=HARDSHIP_STATEMENT, amount=amount))

    def op_hardship_approve(self):
        from ledger.models import HardshipApplication
        from ledger.services.hardship import hardship_approve

        row = self.pick(HardshipApplication.objects.filter(coop=self.world.coop, status__in=HardshipApplication.OPEN)
                        .order_by("pk").values_list("pk", "status", "first_steward_id"))
        if row is None:
            return None
        pk, status, first = row
        stewards = [s for s in self.world.stewards if s.pk != first] if status == "awaiting_second" else \
            self.world.stewards
        steward = self.rng.choice(stewards)
        return Op("hardship_approve", call=lambda: hardship_approve(steward=steward,
                                                                    application=HardshipApplication(pk=pk)))


# --- faults and the sequencer --------------------------------------------------------------

def _dsn():
    db = connection.settings_dict
    return psycopg.conninfo.make_conninfo(dbname=db["NAME"], user=db.get("USER") or "postgres",
                                          host=db.get("HOST") or "127.0.0.1", port=db.get("PORT") or 5432,
                                          password=db.get("PASSWORD") or None)


def fault_loop(*, stop, rng, tracker, interval, dsn):
    """Terminate a random other backend of this database every `interval` (low, high) s."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        while not stop.wait(rng.uniform(*interval)):
            pids = [r[0] for r in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend' ORDER BY pid").fetchall()]
            if pids:
                conn.execute("SELECT pg_terminate_backend(%s)", [rng.choice(pids)])
                with tracker.lock:
                    tracker.faults += 1


def sequencer_thread(stop):
    try:
        return sequencer_run(interval=0.1, stopping=stop.is_set)
    finally:
        connections.close_all()


# --- the run -------------------------------------------------------------------------------

@dataclass
class Report:
    seed: int
    seconds: float
    ops: int
    tracker: Tracker
    checks: list  # [(name, ok, detail)]

    @property
    def ok(self):
        return all(ok for _name, ok, _detail in self.checks)

    def lines(self):
        t = self.tracker
        out = [f"bank seed={self.seed}: {self.ops} operations in {self.seconds:.1f} s "
               f"({self.ops / self.seconds if self.seconds else 0:,.1f} ops/s), {t.faults} backends terminated, "
               f"{t.lost} lost connections retried, {sum(t.busy.values())} busy (503) answers retried, "
               f"{sum(t.surfaced.values())} deadlocks/serialisation failures surfaced as errors, "
               f"{len(t.errors)} unexpected errors"]
        kinds = sorted(t.ops)
        out.append("operations: " + ", ".join(f"{k} {t.ops[k]}" for k in kinds))
        outcomes = collections.defaultdict(list)
        for (kind, code), n in sorted(t.outcomes.items()):
            outcomes[kind].append(f"{code} {n}")
        out.extend(f"  {kind}: {', '.join(v)}" for kind, v in sorted(outcomes.items()))
        for name, ok, detail in self.checks:
            out.append(f"{'OK  ' if ok else 'FAIL'} {name}: {detail}")
        out.extend(f"error: {e}" for e in t.errors[:5])
        out.extend(f"violation: {v}" for v in t.violations[:10])
        return out


@contextlib.contextmanager
def _quiet_requests():
    quiet = logging.getLogger("django.request")  # every refused or failed request would be logged
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        quiet.setLevel(level)


def run_workers(world, tracker, *, seed, workers, seconds=None, ops=None, first=0, progress=None):
    """Run `workers` worker threads (numbered from `first`) until `seconds` pass or this
    tracker counted `ops` operations. Closes this thread's connection first."""
    stop = threading.Event()
    started = time.monotonic()
    deadline = started + seconds if seconds else None

    def budget():
        if deadline and time.monotonic() >= deadline:
            return False
        return not (ops and tracker.done >= ops)

    connection.close()  # the fault thread may kill it: what comes next reconnects
    threads = [threading.Thread(target=Worker(world, tracker, seed=seed, number=first + i, budget=budget).run,
                                name=f"bank-worker-{first + i}") for i in range(workers)]
    with _quiet_requests(), persistent_connections():
        for thread in threads:
            thread.start()
        while any(t.is_alive() for t in threads):
            for t in threads:
                t.join(1)
            if progress:
                progress(tracker, time.monotonic() - started)
    stop.set()
    return time.monotonic() - started


@contextlib.contextmanager
def faults_and_sequencer(tracker, *, seed, fault_interval):
    """While the block runs: the sequencer loop in a thread, and (unless `fault_interval` is
    None) the fault thread."""
    stop = threading.Event()
    dsn = _dsn()
    helpers = [threading.Thread(target=sequencer_thread, args=(stop,), name="bank-sequencer")]
    if fault_interval:
        helpers.append(threading.Thread(target=fault_loop, name="bank-faults", kwargs={
            "stop": stop, "rng": random.Random(f"{seed}:faults"), "tracker": tracker,
            "interval": fault_interval, "dsn": dsn}))
    with persistent_connections():
        for thread in helpers:
            thread.start()
        try:
            yield
        finally:
            stop.set()
            for thread in helpers:
                thread.join(120)
            connection.close()


def run_bank(*, seed, workers=4, seconds=None, ops=None, fault_interval=(0.3, 1.2), world=None):
    """Build a world (unless given), run the workload under faults until `seconds` pass or
    `ops` operations ran, then check the invariants. Returns a Report."""
    world = world or world_build(tag=f"s{seed}")
    tracker = Tracker()
    with faults_and_sequencer(tracker, seed=seed, fault_interval=fault_interval):
        elapsed = run_workers(world, tracker, seed=seed, workers=workers, seconds=seconds, ops=ops)
    return Report(seed=seed, seconds=elapsed, ops=tracker.done, tracker=tracker, checks=invariants(world, tracker))


def tracker_state(tracker):
    """What a worker process sends back (a Tracker without its lock and its key table)."""
    return {"ops": tracker.ops, "outcomes": tracker.outcomes, "lost": tracker.lost, "surfaced": tracker.surfaced,
            "busy": tracker.busy,
            "errors": tracker.errors, "succeeded": tracker.succeeded, "unknown": tracker.unknown,
            "violations": tracker.violations, "done": tracker.done, "keys": len(tracker.keys)}


def tracker_merge(into, state):
    with into.lock:
        for name in ("ops", "outcomes", "surfaced", "busy", "succeeded", "unknown"):
            getattr(into, name).update(state[name])
        into.lost += state["lost"]
        into.done += state["done"]
        into.errors.extend(state["errors"])
        into.violations.extend(state["violations"])
        into.merged_keys += state["keys"]


# --- the books -----------------------------------------------------------------------------

def _api_key_model():
    """Where the API's Idempotency-Keys are stored (coop.core since issue 17 moved them there)."""
    from coop.core.models import IdempotencyRecord

    return IdempotencyRecord


def sequence_everything(timeout=120):
    from coop.eventlog.models import Event, Sequenced
    from coop.eventlog.sequencer import sequence_pending

    deadline = time.monotonic() + timeout
    while Sequenced.objects.count() < Event.objects.count():
        if time.monotonic() > deadline:
            raise AssertionError("the sequencer did not catch up")
        if not sequence_pending():
            time.sleep(0.05)


def invariants(world, tracker):
    """Every check the issue asks for, as (name, ok, detail):

    - every transaction has two or more postings summing to zero;
    - every balance equals the sum of its postings;
    - no balance that may not go negative is;
    - the money inside (every account but the outside world) equals deposits minus settled payouts;
    - every approved assignment was paid exactly once, and nothing else was;
    - every key was used at most once: ledger transaction keys and API Idempotency-Keys are
      unique; each successful bonus, payout or deposit key made one row; a key once answered
      with success never answered otherwise;
    - every granted hardship application was paid exactly once, and nothing else; the
      solidarity fund holds exactly what its postings say came in and went out;
    - no open slot in a cancelled project;
    - `reconciliation_run` reports no finding;
    - the event log verifies (`verify_log`) after the sequencer numbered everything;
    - no deadlock or serialisation failure reached a caller, and no unexpected exception."""
    from django.db.models import Count, Q, Sum
    from django.db.models.functions import Coalesce

    from coop.eventlog.verify import verify_log
    from ledger.models import Account, Balance, HardshipApplication, Payout, Posting, Transaction
    from ledger.services import reconciliation_run
    from tasks.models import Assignment, Bonus, Project, Slot

    checks = []

    def check(name, ok, detail):
        checks.append((name, bool(ok), detail))

    bad = list(Transaction.objects.annotate(t=Coalesce(Sum("postings__amount"), 0), n=Count("postings"))
               .filter(~Q(t=0) | Q(n__lt=2)).values_list("pk", flat=True)[:10])
    check("transactions_sum_to_zero", not bad, f"{Transaction.objects.count()} transactions, unbalanced: {bad}")

    posted = dict(Posting.objects.values("account_id").annotate(t=Sum("amount")).values_list("account_id", "t"))
    mismatched = [(b.pk, b.amount, posted.get(b.pk, 0)) for b in Balance.objects.all()
                  if b.amount != posted.get(b.pk, 0)]
    check("balances_equal_postings", not mismatched, f"{Balance.objects.count()} balances, mismatched: "
                                                      f"{mismatched[:10]}")

    negative = list(Balance.objects.filter(amount__lt=0, allow_negative=False).values_list("pk", "amount")[:10])
    check("no_forbidden_negative_balance", not negative, f"negative: {negative}")

    deposits = Posting.objects.filter(transaction__kind=Transaction.Kind.DEPOSIT, amount__gt=0).aggregate(
        t=Coalesce(Sum("amount"), 0))["t"]
    settled = Payout.objects.filter(status=Payout.Status.SETTLED).aggregate(t=Coalesce(Sum("amount"), 0))["t"]
    inside = Balance.objects.exclude(account__kind=Account.Kind.WORLD).aggregate(t=Coalesce(Sum("amount"), 0))["t"]
    world_balance = Balance.objects.filter(account__kind=Account.Kind.WORLD).aggregate(
        t=Coalesce(Sum("amount"), 0))["t"]
    check("money_inside_is_deposits_minus_settled_payouts",
          inside == deposits - settled and world_balance == -(deposits - settled),
          f"inside {inside}, deposits {deposits} - settled payouts {settled} = {deposits - settled}, "
          f"outside world {world_balance}")

    releases = collections.Counter(
        int(key.split(":")[1]) for key in Transaction.objects.filter(
            kind=Transaction.Kind.ESCROW_RELEASE, key__startswith="assignment:").values_list("key", flat=True))
    approved = set(Assignment.objects.filter(status=Assignment.Status.APPROVED).values_list("pk", flat=True))
    twice = [pk for pk, n in releases.items() if n != 1]
    unpaid = sorted(approved - set(releases))[:10]
    paid_not_approved = sorted(set(releases) - approved)[:10]
    check("approved_paid_exactly_once", not (twice or unpaid or paid_not_approved),
          f"{len(approved)} approved, {sum(releases.values())} releases; twice {twice[:10]}, unpaid {unpaid}, "
          f"paid but not approved {paid_not_approved}")

    dup_tx = list(Transaction.objects.values("key").annotate(n=Count("pk")).filter(n__gt=1)
                  .values_list("key", flat=True)[:10])
    dup_api = list(_api_key_model().objects.values("scope", "key").annotate(n=Count("pk")).filter(n__gt=1)
                   .values_list("key", flat=True)[:10])
    effects = {
        "bonus": Bonus.objects.filter(organisation__in=[o for o, _ in world.orgs]).count(),
        "payout_request": Payout.objects.filter(coop=world.coop).count(),
        "deposit": Transaction.objects.filter(kind=Transaction.Kind.DEPOSIT, key__contains=":wire-bank-").count(),
    }
    wrong = {kind: (rows, tracker.succeeded[kind], tracker.unknown[kind]) for kind, rows in effects.items()
             if not tracker.succeeded[kind] <= rows <= tracker.succeeded[kind] + tracker.unknown[kind]}
    check("every_key_used_at_most_once", not (dup_tx or dup_api or wrong or tracker.violations),
          f"{len(tracker.keys) + tracker.merged_keys} API keys, {tracker.lost} retried after a lost connection; "
          f"duplicate ledger keys {dup_tx}, duplicate API keys {dup_api}, rows per successful key "
          f"(rows, keys, unanswered) {wrong or effects}, "
          f"answers: {tracker.violations[:5] or 'consistent'}")

    granted = dict(HardshipApplication.objects.filter(status=HardshipApplication.Status.GRANTED)
                   .values_list("pk", "amount"))
    grants = collections.Counter(int(key.split(":")[2]) for key in Transaction.objects.filter(
        kind=Transaction.Kind.SOLIDARITY_GRANT).values_list("key", flat=True))
    flows = dict(Posting.objects.filter(account__kind=Account.Kind.SOLIDARITY_FUND).values("transaction__kind")
                 .annotate(t=Sum("amount")).values_list("transaction__kind", "t"))
    kinds = {Transaction.Kind.SOLIDARITY_CONTRIBUTION, Transaction.Kind.SOLIDARITY_FEE_SHARE,
             Transaction.Kind.SOLIDARITY_GRANT}
    check("solidarity_grants_paid_exactly_once",
          set(grants) == set(granted) and all(n == 1 for n in grants.values()) and set(flows) <= kinds
          and -flows.get(Transaction.Kind.SOLIDARITY_GRANT, 0) == sum(granted.values()),
          f"{len(granted)} granted, {sum(grants.values())} grant transactions; the fund's flows {flows}")

    stranded = list(Slot.objects.filter(status=Slot.Status.OPEN, project__status=Project.Status.CANCELLED)
                    .values_list("pk", "project_id")[:10])
    check("no_open_slot_in_cancelled_project", not stranded,
          f"{Project.objects.filter(status=Project.Status.CANCELLED).count()} cancelled projects; open slots: "
          f"{stranded}")

    report = reconciliation_run()
    check("reconciliation_ok", report.ok and report.escrow_checked,
          f"{report.accounts_checked} accounts, {report.transactions_checked} transactions, escrow checked "
          f"{report.escrow_checked}; findings {report.findings[:5]}")

    sequence_everything()
    result = verify_log()
    check("verify_events_ok", result.ok, f"{result.size} events, {result.checkpoints} checkpoints; "
                                         f"problems {[str(p) for p in result.problems[:3]]}")

    check("no_500s", not tracker.errors and not tracker.surfaced,
          f"deadlocks/serialisation failures reaching the caller {dict(tracker.surfaced)}, "
          f"unexpected errors {len(tracker.errors)}")
    return checks
