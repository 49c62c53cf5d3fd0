"""The discrete-event loop: a heap of (simulated hour, sequence, action). Every action calls
Atelier's real services with `now=` from the simulation's clock, or (scripting members) the
member API, inside `clock_set` at the action's instant (coop.core.clock); the scheduled jobs
(auto-approval, expiry, final rejections, juries, governance) run every simulated hour with
the same clock, as the job cluster would.

What bounds the cost: members work in sessions (a claim and a submit per task, nothing while
idle); the open work of each coop is read once per simulated quarter hour, not per member;
requesters review once a day in bulk (`assignments_approve`); stewards twice a day. The
number of service calls grows with the tasks posted, not with members × time."""

import heapq
from collections import Counter
from datetime import timedelta

from coop.core.clock import clock_set
from coop.core.errors import DomainError
from coop.federation.selectors import rulebook_in_force
from coop.governance import jobs as governance_jobs
from coop.governance.models import EligibleVoter, Proposal
from coop.governance.services import ballot_cast, proposal_create, proposal_submit
from coop.simulation import model
from coop.simulation.api import MemberApiClient
from coop.simulation.members import MemberActions
from coop.simulation.world import FORM
from ledger.models import Payout
from ledger.selectors import coop_fund_balances, federation_fee_balance
from ledger.services import payout_settle
from tasks import jobs as task_jobs
from tasks.appeals import jobs as appeal_jobs
from tasks.appeals.models import Appeal, JurySeat, ProjectBrake
from tasks.appeals.services import (
    appeal_file,
    brake_lift,
    frozen_confirm,
    frozen_void,
    seat_accept,
    seat_decline,
    seat_vote,
)
from tasks.errors import BelowFloor
from tasks.models import Assignment, Project
from tasks.qualifications.services.paid_tests import attempts_expire_due
from tasks.qualifications.services.requirements import project_requirements_set
from tasks.services import (
    assignment_reject,
    assignments_approve,
    project_cancel,
    project_create,
    project_floor_raise,
    project_publish,
    project_update,
    tasks_add,
)
from tasks.services.floor import floor_reward

EXPLANATIONS = {
    "wrong_answer": "The answer does not match the gold reference for this item.",
    "instructions_not_followed": "The label chosen does not follow the instructions given.",
}
STEWARD_HOURS = (9, 16)  # coop time (UTC+2)
BALLOT_INTEREST = {"careful": 0.8, "part_time": 0.8, "fast": 0.4, "scripting": 0.3}  # p(yes) to a higher floor
TURNOUT = {"careful": 0.5, "fast": 0.35, "part_time": 0.25, "scripting": 0.1}


class Market(MemberActions):
    def __init__(self, world, config, rng, start, progress=None):
        self.world, self.config, self.rng, self.start = world, config, rng, start
        self.progress = progress
        self.heap, self.seq = [], 0
        self.calls = Counter()  # service calls made, by name
        self.refusals = Counter()  # DomainErrors the services answered with, by code
        self.truth = {}  # assignment id -> was the work right (the simulation's ground truth)
        self.projects = {}  # project id -> requester
        self.rewards = {}  # project id -> (reward, estimated minutes) as members see them
        self.fair_until = {}  # project id -> end of its fair-share window (simulation hours)
        self.fair_caps = {}  # project id -> its fair-share cap (slots a member may claim in the window)
        self.cache = {}  # coop index -> (read at hour, {project id: open slots})
        self.seats_seen = 0
        self.proposals_scheduled = set()
        self.series = []  # daily rows: (day, coop slug or "federation", treasury, juror fund, fee balance)
        self.payouts_made = Counter()
        self.stewards_users = world.stewards
        self.requester_by_org = {r.org.pk: r for r in world.requesters}
        self.api = MemberApiClient()  # scripting members' requests to the member API

    # --- the clock ---------------------------------------------------------------------------
    def dt(self, hours):
        return self.start + timedelta(hours=hours)

    def at(self, hours, action, *args):
        self.seq += 1
        heapq.heappush(self.heap, (hours, self.seq, action, args))

    def call(self, name, fn, **kwargs):
        """Call a service; a refusal (DomainError) is counted by its code and returned."""
        self.calls[name] += 1
        try:
            return fn(**kwargs)
        except DomainError as exc:
            self.refusals[f"{name}:{exc.code}"] += 1
            return exc

    def api_call(self, name, fn, **kwargs):
        """A member API request (coop.simulation.api); a refusal is counted by its code and HTTP
        status, and returned."""
        self.calls[name] += 1
        result = fn(**kwargs)
        if isinstance(result, DomainError):
            self.refusals[f"{name}:{result.code}:{result.status}"] += 1
        return result

    def run(self):
        end = self.config.days * 24.0
        for day in range(self.config.days):
            self.at(day * 24.0, self.day_begin, day)
        for hour in range(1, int(end) + 1):
            self.at(float(hour), self.jobs)
        for requester in self.world.requesters:
            self.at(self._business_hour(requester, 0, self.rng.uniform(0, 1)), self.post, requester)
        if not self.config.mturk and self.config.days >= 2:
            self.at(self.config.days / 2 * 24.0 + 10, self.propose)
        last = 0
        while self.heap:
            hours, _seq, action, args = heapq.heappop(self.heap)
            if hours > end:
                break
            self.now_h = hours
            with clock_set(self.dt(hours)):  # what reads the product's clock (the member API) reads this
                action(hours, *args)
            if self.progress and int(hours) > last:
                self.progress(int(hours) - last)
                last = int(hours)
        if self.progress and int(end) > last:
            self.progress(int(end) - last)

    def _business_hour(self, requester, day, fraction):
        """A time in the requester's working day (09:00-17:00 local), as simulation hours."""
        return day * 24.0 + ((9 + 8 * fraction - requester.tz) % 24)

    # --- days --------------------------------------------------------------------------------
    def day_begin(self, t, day):
        rng = self.rng
        for member in self.world.members:
            b = model.BEHAVIOURS[member.behaviour]
            if member.behaviour == "scripting":
                for half in range(48):
                    self.at(t + half * 0.5 + rng.uniform(0, 0.25), self.session, member, b["hours"])
                continue
            start = member.start_hour
            for p in b["sessions"]:
                if rng.random() < p:
                    local = start + rng.uniform(-1, 1)
                    self.at(t + ((local - member.tz) % 24), self.session, member, b["hours"] * rng.uniform(0.6, 1.3))
                start += 6
            if (member.index + day) % 7 == 0:
                self.at(t + ((20 - member.tz) % 24), self.payout, member)
        for requester in self.world.requesters:
            if requester.behaviour != "late_reviewer" or day % 4 == 3:
                self.at(self._business_hour(requester, day, 0.2), self.review, requester)
        for index in range(len(self.world.coops)):
            for hour in STEWARD_HOURS:
                self.at(t + ((hour - 2) % 24), self.steward_round, index)
        self.at(t + 23.99, self.sample, day)

    def sample(self, t, day):
        for coop in self.world.coops:
            funds = coop_fund_balances(coop=coop)
            self.series.append((day + 1, coop.slug, funds["treasury"], funds["juror_fund"]))
        self.series.append((day + 1, "federation", federation_fee_balance(), 0))

    # --- scheduled jobs ----------------------------------------------------------------------
    def jobs(self, t):
        now = self.dt(t)
        self.calls["job:expire_due"] += 1
        task_jobs.expire_due(now=now)
        self.calls["job:auto_approve_due"] += 1
        task_jobs.auto_approve_due(now=now)
        self.calls["job:finalise_rejections_due"] += 1
        task_jobs.finalise_rejections_due(now=now)
        self.calls["job:attempts_expire_due"] += 1
        attempts_expire_due(now=now)
        self.calls["job:appeals_due"] += 1
        appeal_jobs.appeals_due(now=now)
        self.calls["job:proposals_advance"] += 1
        governance_jobs.proposals_advance(now=now)
        self._jurors_schedule(t)
        self._voters_schedule(t)
        self.cache.clear()  # expiries reopened slots

    def _jurors_schedule(self, t):
        """Seats invited since the last run: each juror answers (or not) after a delay. The
        draw depends on the signed log, so the answer is drawn from the seat's own ids."""
        for seat in (JurySeat.objects.filter(pk__gt=self.seats_seen).select_related("appeal", "juror")
                     .order_by("pk")):
            self.seats_seen = seat.pk
            rng = model.keyed(self.config.seed, "seat", seat.appeal_id, seat.draw_index)
            delay = rng.uniform(0.5, 30)
            if delay >= seat.appeal.response_hours:
                continue  # never answers: the job lapses the seat and invites the next
            accept = rng.random() < 0.75
            self.at(t + delay, self.juror_answer, seat.pk, accept, rng.uniform(1, 12), rng.random())

    def juror_answer(self, t, seat_id, accept, vote_delay, judgement):
        seat = JurySeat.objects.select_related("appeal", "juror").get(pk=seat_id)
        if not accept:
            self.call("seat_decline", seat_decline, juror=seat.juror, appeal=seat.appeal, now=self.dt(t))
            return
        if isinstance(self.call("seat_accept", seat_accept, juror=seat.juror, appeal=seat.appeal, now=self.dt(t)),
                      DomainError):
            return
        self.at(t + vote_delay, self.juror_vote, seat_id, judgement)

    def juror_vote(self, t, seat_id, judgement):
        seat = JurySeat.objects.select_related("appeal", "juror").get(pk=seat_id)
        right = self.truth.get(seat.appeal.assignment_id, False)
        overturn = (judgement < 0.85) if right else (judgement >= 0.8)
        vote = Appeal.Decision.OVERTURN if overturn else Appeal.Decision.UPHOLD
        self.call("seat_vote", seat_vote, juror=seat.juror, appeal=seat.appeal, vote=vote,
                  reason="I read the work, the instructions and both statements.", now=self.dt(t))

    # --- requesters --------------------------------------------------------------------------
    def post(self, t, requester):
        """Publish a batch, then plan the next one (exponential gaps, in business hours)."""
        rng, now = self.rng, self.dt(t)
        coop = self.world.coops[requester.coop]
        floor = rulebook_in_force(coop=coop, at=now)["floor_hourly_rate"]
        n = rng.randint(*requester.tasks_per_batch)
        title = f"{requester.category} batch {len(requester.projects) + 1}"
        self.calls["project_create"] += 1
        project = project_create(
            actor=requester.owner, organisation=requester.org, coop=coop, now=now, title=title,
            category=requester.category, question_form=FORM, reward=model.reward_for(requester, floor),
            estimated_minutes=requester.estimate, time_limit_minutes=max(20, 3 * requester.estimate))
        self.calls["tasks_add"] += 1
        tasks_add(actor=requester.owner, project=project, rows=[{"item": i} for i in range(n)], now=now)
        if requester.qualification_id:
            self.calls["project_requirements_set"] += 1
            project_requirements_set(actor=requester.owner, project=project,
                                     qualifications=[requester.qualification_id])
        result = self.call("project_publish", project_publish, actor=requester.owner, project=project, now=now)
        if isinstance(result, BelowFloor):  # the floor moved: pay the minimum it asks for
            self.call("project_update", project_update, actor=requester.owner, project=project,
                      reward=result.extra["minimum_reward"])
            result = self.call("project_publish", project_publish, actor=requester.owner, project=project, now=now)
        if not isinstance(result, DomainError):
            requester.projects.append(project.pk)
            self.projects[project.pk] = requester
            self.rewards[project.pk] = (result.reward, result.estimated_minutes)
            if result.fair_share_until:
                self.fair_until[project.pk] = t + (result.fair_share_until - now).total_seconds() / 3600
                self.fair_caps[project.pk] = result.fair_share_cap
            self.cache.pop(requester.coop, None)
        gap_days = rng.expovariate(1 / requester.batch_every_days)
        day = int((t + gap_days * 24) // 24)
        self.at(max(t + 0.01, self._business_hour(requester, day, rng.random())), self.post, requester)

    def review(self, t, requester):
        rng, now = self.rng, self.dt(t)
        if not requester.projects:
            return
        for project in Project.objects.filter(pk__in=requester.projects, status=Project.Status.PAUSED,
                                              floor_paused_at__isnull=False).order_by("pk"):
            self._floor_answer(requester, project, now)
        submitted = list(Assignment.objects.filter(project_id__in=requester.projects,
                                                   status=Assignment.Status.SUBMITTED)
                         .order_by("project_id", "pk").values_list("pk", "project_id"))
        approve, reject = {}, []
        for pk, project_id in submitted:
            right = self.truth.get(pk, True)
            draw = rng.random()
            if requester.behaviour == "mass_rejecter":
                rejected = draw < 0.4
            elif requester.behaviour == "gold_questions":
                rejected = (draw < 0.95) if not right else (draw < 0.005)
            else:
                rejected = (draw < 0.7) if not right else (draw < 0.02)
            if rejected:
                reason = "wrong_answer" if requester.behaviour == "gold_questions" else "instructions_not_followed"
                reject.append((pk, reason))
            else:
                approve.setdefault(project_id, []).append(pk)
        for project_id, ids in approve.items():
            project = Project.objects.get(pk=project_id)
            for chunk in range(0, len(ids), 1000):
                self.call("assignments_approve", assignments_approve, actor=requester.owner, project=project,
                          ids=ids[chunk:chunk + 1000], now=now)
        for pk, reason in reject:
            result = self.call("assignment_reject", assignment_reject, actor=requester.owner, assignment=pk,
                               reason=reason, explanation=EXPLANATIONS[reason], now=now)
            if not isinstance(result, DomainError) and result.status == Assignment.Status.REJECTED:
                self._appeal_maybe(t, pk)

    def _floor_answer(self, requester, project, now):
        """A project paused for paying under the floor at the measured median time: the
        mass-rejecter walks away (cancel), the others raise the pay to the minimum asked."""
        if requester.behaviour == "mass_rejecter":
            self.call("project_cancel", project_cancel, actor=requester.owner, project=project, now=now)
        else:
            floor = rulebook_in_force(coop=project.coop_id, at=now)["floor_hourly_rate"]
            reward = floor_reward(floor=floor, median_seconds=project.floor_median_seconds)
            result = self.call("project_floor_raise", project_floor_raise, actor=requester.owner, project=project,
                               reward=reward, now=now)
            if not isinstance(result, DomainError):
                self.rewards[project.pk] = (result.reward, result.estimated_minutes)
        self.cache.pop(requester.coop, None)

    # --- appeals -----------------------------------------------------------------------------
    def _appeal_maybe(self, t, assignment_id):
        if self.config.mturk:
            return  # no appeals on MTurk (the rulebook cannot switch them off: a behaviour)
        assignment = Assignment.objects.only("member_id").get(pk=assignment_id)
        member = self.world.by_user[assignment.member_id]
        right = self.truth.get(assignment_id, True)
        p = model.BEHAVIOURS[member.behaviour]["appeal"] if right else 0.05
        if self.rng.random() < p:
            self.at(t + self.rng.uniform(2, 30), self.appeal, member, assignment_id)

    def appeal(self, t, member, assignment_id):
        self.call("appeal_file", appeal_file, member=member.user, assignment=assignment_id, now=self.dt(t),
                  statement="My answer follows the instructions; please look at it again.")

    # --- stewards ----------------------------------------------------------------------------
    def steward_round(self, t, index):
        now, coop = self.dt(t), self.world.coops[index]
        first, second = self.stewards_users[index]
        frozen = list(Assignment.objects.filter(project__coop=coop, status=Assignment.Status.FROZEN)
                      .order_by("pk").values_list("pk", flat=True))
        for pk in frozen:
            right = self.truth.get(pk, True)
            fair = (not right) if self.rng.random() < 0.9 else right  # stewards judge well, not perfectly
            if fair:
                if not isinstance(self.call("frozen_confirm", frozen_confirm, steward=first, assignment=pk, now=now),
                                  DomainError):
                    self._appeal_maybe(t, pk)
            else:
                self.call("frozen_void", frozen_void, steward=first, assignment=pk, now=now)
        for brake in ProjectBrake.objects.filter(project__coop=coop, lifted_at__isnull=True).order_by("pk"):
            self.call("brake_lift", brake_lift, steward=first, project=brake.project_id, now=now)
        for payout in Payout.objects.filter(coop=coop, status__in=Payout.OPEN).order_by("pk"):
            steward = second if payout.status == Payout.Status.AWAITING_SECOND else first
            self.call("payout_settle", payout_settle, steward=steward, payout=payout,
                      reference=f"SIM-{payout.pk}", now=now)
            if payout.status == Payout.Status.REQUESTED and payout.amount > self._four_eyes(coop, now):
                self.call("payout_settle", payout_settle, steward=second, payout=payout,
                          reference=f"SIM-{payout.pk}", now=now)

    def _four_eyes(self, coop, now):
        return rulebook_in_force(coop=coop, at=now)["payout_four_eyes_above"]

    # --- governance --------------------------------------------------------------------------
    def propose(self, t):
        """Halfway, a member of each coop proposes raising its floor by a quarter."""
        now = self.dt(t)
        for index, coop in enumerate(self.world.coops):
            author = next((m for m in self.world.members if m.coop == index and m.behaviour == "careful"), None)
            if author is None:
                continue
            floor = rulebook_in_force(coop=coop, at=now)["floor_hourly_rate"]
            proposal = self.call("proposal_create", proposal_create, author=author.user, now=now,
                                 title="Raise the floor by a quarter",
                                 changes=[{"kind": "parameter", "name": "floor_hourly_rate",
                                           "value": floor + floor // 4}])
            if not isinstance(proposal, DomainError):
                self.call("proposal_submit", proposal_submit, author=author.user, proposal=proposal, now=now)

    def _voters_schedule(self, t):
        for proposal in Proposal.objects.filter(status=Proposal.Status.VOTING).order_by("pk"):
            if proposal.pk in self.proposals_scheduled:
                continue
            self.proposals_scheduled.add(proposal.pk)
            span = (proposal.voting_ends_at - self.dt(t)).total_seconds() / 3600
            for user_id in (EligibleVoter.objects.filter(proposal=proposal).order_by("user_id")
                            .values_list("user_id", flat=True)):
                member = self.world.by_user.get(user_id)
                if member is None or self.rng.random() >= TURNOUT[member.behaviour]:
                    continue
                yes = self.rng.random() < BALLOT_INTEREST[member.behaviour]
                self.at(t + self.rng.uniform(0, span * 0.9), self.vote, member, proposal.pk, "yes" if yes else "no")

    def vote(self, t, member, proposal_id, choice):
        self.call("ballot_cast", ballot_cast, user=member.user, proposal=Proposal(pk=proposal_id), choice=choice,
                  now=self.dt(t))
