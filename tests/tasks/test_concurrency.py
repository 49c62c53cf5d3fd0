"""Marketplace services racing on PostgreSQL (issue 24), each thread on its own connection.

- A return or an expiry racing a cancel: every slot of the cancelled project ends refunded,
  exactly once, and none is left open (defect 1).
- No deadlock (defect 4): a claim against a cancel, two bulk approvals paying the same members
  in opposite orders, a bonus against `tasks_add` on the same organisation. Each race checks
  that no call failed with anything but a domain refusal AND that PostgreSQL counted no
  deadlock at all (`pg_stat_database.deadlocks`), so a deadlock hidden by the retry of
  `coop.core.db.retry_transaction` would still fail the test."""

import random
import time
from datetime import timedelta
from functools import partial

import pytest
from django.db import connection
from django.utils import timezone

from coop.core.errors import DomainError
from ledger.models import Transaction
from ledger.selectors import escrow_balance, requester_balance, wallet_balance
from ledger.services import deposit_record, reconciliation_run
from tasks.models import Assignment, Project, Slot
from tasks.services import (
    assignment_bonus,
    assignment_claim,
    assignment_expire,
    assignment_return,
    assignment_submit,
    assignments_approve,
    project_cancel,
    tasks_add,
)
from tests.factories import CoopFactory, member, operator, organisation, published_project
from tests.threads import together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*fns):
    """Run each function in its own thread, released together (tests/threads.py); returns (results,
    domain error codes, other errors)."""
    results, refused, errors = [], [], []
    for outcome in together(list(fns)):
        if isinstance(outcome, DomainError):
            refused.append(outcome.code)
        elif isinstance(outcome, Exception):  # any other error is what the test looks for
            errors.append(f"{type(outcome).__name__}:{getattr(outcome.__cause__, 'sqlstate', None)}:{outcome}")
        else:
            results.append(outcome)
    return results, refused, errors


def later(delay, fn, **kwargs):
    time.sleep(delay)
    return fn(**kwargs)


def deadlocks():
    """Deadlocks PostgreSQL detected in the test database so far (a backend reports its count
    when it exits; the racing threads closed theirs)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def deadlocks_since(before):
    deadline = time.monotonic() + 1.5
    while True:  # give exiting backends a moment to report
        now = deadlocks()
        if now != before or time.monotonic() > deadline:
            return now - before
        time.sleep(0.1)


# --- defect 1: a return or an expiry racing a cancel ------------------------------------------

def test_a_return_or_expiry_racing_a_cancel_leaves_no_slot_open_and_refunds_each_once():
    coop = CoopFactory()
    worker = member(coop).user
    org = organisation()
    owner = org.owner
    attempts, stranded = 16, []
    later = timezone.now() + timedelta(days=1)
    for i in range(attempts):
        project = published_project(coop, organisation=org, tasks=2)
        funds_before = requester_balance(organisation=org)
        assignment = assignment_claim(member=worker, project=project)
        if i % 2:
            give_back = lambda a=assignment: assignment_expire(assignment_id=a.pk, now=later)  # noqa: E731
        else:
            give_back = lambda a=assignment: assignment_return(member=worker, assignment=a)  # noqa: E731
        _results, refused, errors = race(give_back, lambda p=project: project_cancel(actor=owner, project=p))
        assert refused == [] and errors == []
        project.refresh_from_db()
        assert project.status == Project.Status.CANCELLED
        if Slot.objects.filter(project=project, status=Slot.Status.OPEN).exists():
            stranded.append(project.pk)
            continue
        # both slots refunded, the second exactly once (by the cancel or by the slot's own refund)
        assert escrow_balance(project=project) == 0
        # each slot costs the reward plus its own share of the batch's fees (tasks/fees.py)
        total = sum(project.reward + s.fee for s in Slot.objects.filter(project=project))
        assert requester_balance(organisation=org) == funds_before + total
        slot = assignment.slot
        slot.refresh_from_db()
        by_slot = Transaction.objects.filter(key=f"slot:{slot.pk}:refund").count()
        cancelled_with_project = project.escrow_refunded - by_slot * (project.reward + slot.fee)
        assert (by_slot, cancelled_with_project) in {(0, total), (1, total - project.reward - slot.fee)}
    assert stranded == [], f"{len(stranded)} of {attempts} cancelled projects kept an open slot"
    report = reconciliation_run()
    assert report.findings == [] and report.ok


# --- defect 4: no deadlock -------------------------------------------------------------------

def test_claims_racing_a_cancel_never_deadlock():
    coop = CoopFactory()
    workers = [member(coop).user for _ in range(3)]
    org = organisation()
    before = deadlocks()
    for _ in range(20):
        project = published_project(coop, organisation=org, tasks=4)
        _results, refused, errors = race(
            *(lambda w=w, p=project: assignment_claim(member=w, project=p) for w in workers),
            # a claim does more work before it locks its slot: the cancel starts a little later,
            # at a random moment, so it lands at every point of the claims' transactions
            lambda p=project: later(random.uniform(0.005, 0.08), project_cancel, actor=org.owner, project=p))
        assert errors == []
        assert set(refused) <= {"project_not_open", "no_free_slot"}
        taken = Slot.objects.filter(project=project, status=Slot.Status.TAKEN).count()
        assert taken == Assignment.objects.filter(project=project).count()
        assert escrow_balance(project=project) == sum(
            project.reward + s.fee for s in Slot.objects.filter(project=project, status=Slot.Status.TAKEN))
        # give the work back, so the workers stay under their open-assignment cap for the next round
        for a in Assignment.objects.filter(project=project, status=Assignment.Status.CLAIMED).select_related("member"):
            assignment_return(member=a.member, assignment=a)
    assert deadlocks_since(before) == 0
    assert reconciliation_run().ok


def _submitted(project, workers):
    done = []
    for worker in workers:
        a = assignment_claim(member=worker, project=project)
        done.append(assignment_submit(member=worker, assignment=a, answers={"label": "yes"}))
    return done


def test_two_bulk_approvals_paying_members_in_opposite_orders_never_deadlock():
    coop = CoopFactory()
    workers = [member(coop).user for _ in range(4)]
    org = organisation()
    before = deadlocks()
    for _ in range(6):
        first = published_project(coop, organisation=org, tasks=4)
        second = published_project(coop, organisation=org, tasks=4)
        ones = _submitted(first, workers)
        twos = _submitted(second, list(reversed(workers)))  # pk order pays the members the other way round
        paid = {w.pk: wallet_balance(user=w) for w in workers}
        _results, refused, errors = race(
            partial(assignments_approve, actor=org.owner, project=first, ids=[a.pk for a in ones]),
            partial(assignments_approve, actor=org.owner, project=second, ids=[a.pk for a in twos]))
        assert refused == [] and errors == []
        assert Assignment.objects.filter(pk__in=[a.pk for a in ones + twos], status="approved").count() == 8
        assert all(wallet_balance(user=w) == paid[w.pk] + 2 * first.reward for w in workers)
    assert deadlocks_since(before) == 0
    assert reconciliation_run().ok


def test_a_bonus_racing_tasks_add_on_the_same_organisation_never_deadlocks():
    coop = CoopFactory()
    worker = member(coop).user
    org = organisation()
    project = published_project(coop, organisation=org, tasks=1)
    other = published_project(coop, organisation=org, tasks=1)
    (work,) = _submitted(project, [worker])
    deposit_record(operator=operator(), organisation=org, amount=10_000_000, reference="top-up")
    before = deadlocks()
    rounds = 40
    for i in range(rounds):
        _results, refused, errors = race(
            lambda: assignment_bonus(actor=org.owner, assignment=work, amount=7, reason="Careful and quick work."),
            lambda i=i: tasks_add(actor=org.owner, project=other, rows=[{"image_url": f"https://img.example/{i}.jpg"}]))
        assert refused == [] and errors == []
    assert deadlocks_since(before) == 0
    assert wallet_balance(user=worker) == rounds * 7
    assert Slot.objects.filter(project=other).count() == 1 + rounds
    assert reconciliation_run().ok
