"""What members do in the market: sessions of work (claim, work, submit or give back), paid
qualification tests, weekly payouts. A mixin of `coop.simulation.engine.Market`, which holds
the clock (`self.at`, `self.dt`), the service wrapper (`self.call`) and the world."""

import math

from django.db.models import Count, Sum

from coop.core.errors import DomainError
from coop.federation.selectors import rulebook_in_force
from coop.simulation.world import TEST_KEY, TEST_MINUTES
from ledger.services import payout_request
from tasks.errors import FairShareReached, NoFreeSlot
from tasks.models import Assignment, Project, Slot
from tasks.qualifications.models import Attempt
from tasks.qualifications.services import attempt_start, attempt_submit
from tasks.services import assignment_claim, assignment_return, assignment_submit

CACHE_HOURS = 0.25  # members see a coop's open work as read at most this long ago


class MemberActions:
    # --- members -----------------------------------------------------------------------------
    def _open_work(self, t, index):
        """{project id: open slots} for the coop, read at most every quarter hour."""
        cached = self.cache.get(index)
        if cached is None or t - cached[0] >= CACHE_HOURS:
            rows = (Slot.objects.filter(project__coop=self.world.coops[index], project__status=Project.Status.OPEN,
                                        status=Slot.Status.OPEN)
                    .values("project_id").annotate(n=Count("pk")).order_by("project_id"))
            cached = (t, {row["project_id"]: row["n"] for row in rows})
            self.cache[index] = cached
        return cached[1]

    def session(self, t, member, hours):
        if member.busy_until > t:
            return
        self.work(t, member, t + hours, set())

    def work(self, t, member, end, skip):
        """Claim the best-paying open task the member accepts, or end the session."""
        if t >= end:
            return
        open_work = self._open_work(t, member.coop)
        choices = []
        for project_id, free in open_work.items():
            if free <= 0 or project_id in skip or project_id not in self.projects:
                continue
            if member.fair_share_reached.get(project_id, -1) > t:
                continue  # the page says so until the window closes: no use trying again
            choices.append((-self._rate(project_id), project_id))
        for negative_rate, project_id in sorted(choices):
            requester = self.projects[project_id]
            if -negative_rate < member.reservation:
                break
            if requester.qualification_id:
                state = member.tests.get(requester.test.pk)
                if state is None:
                    self.take_test(t, member, requester, end, skip)
                    return
                if state != "passed":
                    skip.add(project_id)
                    continue
            result = self._claim(t, member, project_id)
            if isinstance(result, DomainError) and result.code == NoFreeSlot.code:
                open_work[project_id] = 0
                continue
            if isinstance(result, DomainError):
                if result.code == FairShareReached.code:
                    member.fair_share_reached[project_id] = self.fair_until.get(project_id, t)
                if result.code != "project_not_open":
                    skip.add(project_id)
                else:
                    open_work[project_id] = 0
                continue
            open_work[project_id] -= 1
            self._hold(t, member, project_id, 1)
            self._do(t, member, requester, result, end, skip)
            return

    def _claim(self, t, member, project_id):
        """Claim a slot: scripting members through the member API (`POST /api/projects/<id>/claim/`
        with their `atm_` key, on the clock's time), the others through the service, as the pages do."""
        if member.api_secret:
            return self.api_call("api:claim", self.api.claim, secret=member.api_secret, project_id=project_id)
        return self.call("assignment_claim", assignment_claim, member=member.user,
                         project=Project(pk=project_id, coop_id=self.world.coops[member.coop].pk), now=self.dt(t))

    def _hold(self, t, member, project_id, change):
        """What the member holds of a batch in its fair-share window: the feed tells them when
        they have their share (the project's cap, read at publish), so they do not ask the claim
        to refuse them until the window closes (a refused claim costs the product a claim's reads)."""
        until = self.fair_until.get(project_id)
        if until is None or t >= until:
            return
        held = member.held.get(project_id, 0) + change
        member.held[project_id] = held
        if held >= self.fair_caps[project_id]:
            member.fair_share_reached[project_id] = until
        else:
            member.fair_share_reached.pop(project_id, None)

    def _rate(self, project_id):
        reward, estimate = self.rewards[project_id]
        return reward * 60 / estimate

    def _do(self, t, member, requester, assignment, end, skip):
        rng = self.rng
        minutes = requester.true_minutes * member.speed[requester.category] * math.exp(rng.gauss(0, 0.25))
        limit = assignment.deadline_at
        right = rng.random() < member.accuracy[requester.category]
        self.truth[assignment.pk] = right
        limit_h = (limit - self.dt(t)).total_seconds() / 3600
        if minutes / 60 >= limit_h:  # too slow: the time limit passes, the job expires it
            member.busy_until = t + limit_h
            self.at(t + limit_h, self.work, member, end, skip)
        elif minutes > 2.5 * requester.estimate and rng.random() < 0.4:  # gives it back halfway
            member.busy_until = t + minutes / 120
            self.at(t + minutes / 120, self.give_back, member, assignment.pk, end, skip)
        else:
            member.busy_until = t + minutes / 60
            self.at(t + minutes / 60, self.submit, member, assignment.pk, right, end, skip)

    def submit(self, t, member, assignment_id, right, end, skip):
        answer = "a" if right else self.rng.choice(["b", "c"])
        if member.api_secret:
            self.api_call("api:submit", self.api.submit, secret=member.api_secret, assignment_id=assignment_id,
                          answers={"label": answer})
        else:
            self.call("assignment_submit", assignment_submit, member=member.user, assignment=assignment_id,
                      answers={"label": answer}, now=self.dt(t))
        self.work(t, member, end, skip)

    def give_back(self, t, member, assignment_id, end, skip):
        if member.api_secret:
            result = self.api_call("api:return", self.api.give_back, secret=member.api_secret,
                                   assignment_id=assignment_id)
        else:
            result = self.call("assignment_return", assignment_return, member=member.user, assignment=assignment_id,
                               now=self.dt(t))
        if not isinstance(result, DomainError):
            self._hold(t, member, result.project_id, -1)
        self.work(t, member, end, skip)

    def take_test(self, t, member, requester, end, skip):
        test = requester.test
        attempt = self.call("attempt_start", attempt_start, member=member.user, test=test, now=self.dt(t))
        if isinstance(attempt, DomainError):
            member.tests[test.pk] = "refused"
            self.work(t, member, end, skip)
            return
        member.tests[test.pk] = "taking"
        accuracy = member.accuracy[requester.category]
        answers = {name: (key if self.rng.random() < accuracy else "b") for name, key in TEST_KEY.items()}
        minutes = TEST_MINUTES * member.speed[requester.category] * math.exp(self.rng.gauss(0, 0.2))
        member.busy_until = t + minutes / 60
        self.at(t + minutes / 60, self.test_submit, member, requester, attempt.pk, answers, end, skip)

    def test_submit(self, t, member, requester, attempt_id, answers, end, skip):
        result = self.call("attempt_submit", attempt_submit, member=member.user, attempt=Attempt(pk=attempt_id),
                           answers=answers, now=self.dt(t))
        passed = not isinstance(result, DomainError) and result.passed
        member.tests[requester.test.pk] = "passed" if passed else "failed"
        self.work(t, member, end, skip)

    def payout(self, t, member):
        """Once a week a member withdraws what their tasks earned (the simulation's own tally,
        read from the records: rewards of paid work and test pay)."""
        earned = (Assignment.objects.filter(member_id=member.user_id, status__in=Assignment.PAID_STATUSES)
                  .aggregate(t=Sum("project__reward"))["t"] or 0)
        earned += Attempt.objects.filter(member_id=member.user_id).aggregate(t=Sum("reward"))["t"] or 0
        amount = earned - member.withdrawn
        now = self.dt(t)
        if amount < rulebook_in_force(coop=self.world.coops[member.coop], at=now)["payout_minimum"]:
            return
        self.payouts_made[member.index] += 1
        result = self.call("payout_request", payout_request, user=member.user, amount=amount,
                           method="mobile_money", key=f"sim-{self.payouts_made[member.index]}", now=now)
        if not isinstance(result, DomainError):
            member.withdrawn += amount
