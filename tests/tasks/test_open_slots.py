"""A project's count of open slots, kept in its OpenSlotStripe rows (issue 18): it follows
every slot that opens, is taken, reopens or is cancelled, in the same transaction, and a claim
costs a fixed number of statements."""

import random
import threading
from collections import Counter
from datetime import timedelta

import psycopg
import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from tasks.errors import FairShareReached, InvalidState, NoFreeSlot
from tasks.models import Assignment, OpenSlotStripe, Project, Slot
from tasks.reconciliation import open_slot_counts_off
from tasks.selectors import open_slots_of
from tasks.services import (
    assignment_claim,
    assignment_expire,
    assignment_return,
    assignment_submit,
    project_cancel,
    tasks_add,
)
from tasks.services.claiming import CLAIM_FUNCTION_SQL
from tests.factories import CoopFactory, member, open_project, published_project
from tests.threads import together

pytestmark = pytest.mark.django_db


def _counted(project):
    """(the project's count, the open slots counted one by one), having checked each stripe:
    stripe k counts the open slots whose id % 16 is k."""
    open_ids = list(Slot.objects.filter(project=project, status=Slot.Status.OPEN).values_list("pk", flat=True))
    by_stripe = Counter(pk % OpenSlotStripe.STRIPES for pk in open_ids)
    stripes = dict(OpenSlotStripe.objects.filter(project=project).values_list("stripe", "count"))
    assert {k: n for k, n in stripes.items() if n} == dict(by_stripe), (stripes, by_stripe)
    return open_slots_of(project.pk), len(open_ids)


def test_open_slots_follows_publish_claim_return_expiry_add_and_cancel():
    coop = CoopFactory()
    project = published_project(coop, tasks=4, assignments_per_task=2)
    owner = project.organisation.staff.first().user
    assert _counted(project) == (8, 8)
    a, b, c = (member(coop).user for _ in range(3))
    first = assignment_claim(member=a, project=project)
    second = assignment_claim(member=b, project=project)
    third = assignment_claim(member=c, project=project)
    assert _counted(project) == (5, 5)
    assignment_return(member=a, assignment=first)
    assert _counted(project) == (6, 6)
    assignment_submit(member=b, assignment=second, answers={"label": "yes"})
    assert _counted(project) == (6, 6)  # submitted work keeps its slot
    later = timezone.now() + timedelta(days=1)
    assert assignment_expire(assignment_id=third.pk, now=later) is True
    assert _counted(project) == (7, 7)
    tasks_add(actor=owner, project=project, rows=[{"image_url": "https://img.example/new.jpg"}])
    assert _counted(project) == (9, 9)
    held = assignment_claim(member=c, project=project)
    assert _counted(project) == (8, 8)
    project_cancel(actor=owner, project=project)
    assert _counted(project) == (0, 0)
    assignment_return(member=c, assignment=held)  # given back after the cancel: refunded, not reopened
    assert _counted(project) == (0, 0)
    with pytest.raises(InvalidState):
        assignment_claim(member=a, project=project)


def test_a_claim_that_finds_no_slot_leaves_the_counter_alone():
    coop = CoopFactory()
    worker = member(coop).user
    project = open_project(coop, tasks=1, assignments_per_task=3)
    assignment_claim(member=worker, project=project)
    with pytest.raises(NoFreeSlot):  # two slots open, but both of the task this member already has
        assignment_claim(member=worker, project=project)
    assert _counted(project) == (2, 2)


def test_the_feed_and_the_project_page_read_the_counter(client):
    coop = CoopFactory()
    worker = member(coop).user
    project = open_project(coop, tasks=3)
    assignment_claim(member=worker, project=project)
    client.force_login(worker)
    assert client.get(f"/work/projects/{project.pk}/").context["remaining"] == 2
    rows = client.get("/work/").context["rows"]
    assert [r["project"].remaining for r in rows] == [2]


def test_the_feed_costs_the_same_queries_for_two_and_for_eight_projects(client, django_assert_num_queries):
    """The feed's query count does not grow with projects or tasks (issue 18): pinned at two sizes."""
    coop = CoopFactory()
    worker = member(coop).user
    client.force_login(worker)
    for n in range(2):
        open_project(coop, tasks=2, title=f"Small {n}")
    client.get("/work/")
    queries = 10  # tests/tasks/test_feed_pages.py says which
    with django_assert_num_queries(queries):
        small = client.get("/work/")
    for n in range(6):
        open_project(coop, tasks=30, title=f"Big {n}", category=f"cat{n}")
    with django_assert_num_queries(queries):
        big = client.get("/work/")
    assert len(small.context["rows"]) == 2 and len(big.context["rows"]) == 8
    assert sum(r["project"].remaining for r in big.context["rows"]) == 2 * 2 + 6 * 30


@pytest.mark.postgres
def test_a_claim_is_one_statement_on_postgresql(monkeypatch):
    """The membership lock, the context, the other apps' checks (required qualifications, the
    requesters' worker blocks of the MTurk API) and the claim: one call of the database function
    `atelier_claim` (tasks migration 0011). The statements sent through any cursor are counted
    (the hot path's own cursor too). It was 17 round trips before issue 18, then 5."""
    coop = CoopFactory()
    workers = [member(coop).user for _ in range(3)]
    project = open_project(coop, tasks=6)
    assignment_claim(member=workers[0], project=Project.objects.get(pk=project.pk))  # warms the rulebook cache
    sent = []
    real = psycopg.Cursor.execute

    def counting(self, query, *args, **kwargs):
        sent.append(str(query))
        return real(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", counting)
    for worker in workers[1:]:
        fresh = Project.objects.get(pk=project.pk)
        sent.clear()
        assignment_claim(member=worker, project=fresh)
        # the test's own transaction is open, so the call has a savepoint of its own (outside any
        # transaction it is its own transaction: test_claim_in_database.py counts the round trips)
        assert [q for q in sent if "SAVEPOINT" not in q] == [CLAIM_FUNCTION_SQL]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_counter_stays_exact_under_concurrent_claims_returns_expiries_and_a_cancel():
    coop = CoopFactory(params={"max_open_assignments": 50})
    users = [member(coop).user for _ in range(12)]
    project = published_project(coop, tasks=40)
    owner = project.organisation.staff.first().user

    def work(user, seed):
        rng = random.Random(seed)
        for _ in range(12):
            try:
                assignment = assignment_claim(member=user, project=project)
            except (NoFreeSlot, FairShareReached, InvalidState):  # the batch or this member's share is taken
                continue
            roll = rng.random()
            if roll < 0.4:
                assignment_return(member=user, assignment=assignment)
            elif roll < 0.6:
                assignment_expire(assignment_id=assignment.pk, now=timezone.now() + timedelta(days=1))
            else:
                assignment_submit(member=user, assignment=assignment, answers={"label": "no"})

    def cancel():
        threading.Event().wait(0.3)
        project_cancel(actor=owner, project=project)

    outcomes = together([*(lambda u=u, i=i: work(u, i) for i, u in enumerate(users)), cancel], timeout=180)
    assert [o for o in outcomes if isinstance(o, Exception)] == []
    assert _counted(project) == (0, 0)  # cancelled: every open slot refunded, the counter with them
    live = Assignment.objects.filter(project=project).exclude(status__in=["returned", "expired"])
    assert live.values("slot").distinct().count() == live.count()  # never two live claims on one slot
    assert Slot.objects.filter(project=project, status="taken").count() == live.count()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_counter_stays_exact_under_concurrent_claims_and_returns_without_a_cancel():
    coop = CoopFactory(params={"max_open_assignments": 50})
    users = [member(coop).user for _ in range(10)]
    project = open_project(coop, tasks=25)

    def work(user, seed):
        rng = random.Random(seed)
        for _ in range(8):
            try:
                assignment = assignment_claim(member=user, project=project)
            except NoFreeSlot:
                continue
            if rng.random() < 0.5:
                assignment_return(member=user, assignment=assignment)

    outcomes = together([lambda u=u, i=i: work(u, i) for i, u in enumerate(users)], timeout=180)
    assert [o for o in outcomes if isinstance(o, Exception)] == []
    counter, counted = _counted(project)
    held = Assignment.objects.filter(project=project, status="claimed").count()
    assert counter == counted == 25 - held


def _lock_timeout(seconds):
    """On this connection, a lock waited for longer than `seconds` is an error (LockNotAvailable)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = '{int(seconds * 1000)}ms'")


def _holding(fn):
    """Run `fn` in a transaction of another connection (a thread) and keep that transaction open,
    its locks held, until the returned `release` is called; returns (release, result list)."""
    started, done, result = threading.Event(), threading.Event(), []

    def run():
        try:
            with transaction.atomic():
                result.append(fn())
                started.set()
                done.wait(timeout=60)
        except Exception as exc:  # noqa: BLE001 - the test reads what the thread got
            result.append(exc)
            started.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    assert started.wait(timeout=30)

    def release():
        done.set()
        thread.join(timeout=60)

    return release, result


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_claim_takes_no_lock_on_the_projects_row():
    """Issue 18: a claim does not wait for a transaction that holds the project's row (before the
    stripes, every claim decremented a counter there and held the row until its COMMIT)."""
    coop = CoopFactory()
    worker = member(coop).user
    project = open_project(coop, tasks=3)
    release, held = _holding(lambda: Project.objects.select_for_update(no_key=True).get(pk=project.pk).pk)
    try:
        _lock_timeout(3)
        claimed = assignment_claim(member=worker, project=Project.objects.get(pk=project.pk))
    finally:
        release()
    assert held == [project.pk] and claimed.member_id == worker.pk
    assert _counted(project) == (2, 2)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_claims_of_one_batch_commit_side_by_side():
    """A claim holds its slot and that slot's stripe until its COMMIT; the next claim of the same
    batch takes the next slot, in another stripe, and does not wait for it."""
    coop = CoopFactory()
    first, second = member(coop).user, member(coop).user
    project = open_project(coop, tasks=4)
    release, held = _holding(lambda: assignment_claim(member=first, project=Project.objects.get(pk=project.pk)))
    try:
        _lock_timeout(3)
        other = assignment_claim(member=second, project=Project.objects.get(pk=project.pk))
    finally:
        release()
    mine = held[0]
    assert isinstance(mine, Assignment) and mine.slot_id != other.slot_id
    assert mine.slot_id % OpenSlotStripe.STRIPES != other.slot_id % OpenSlotStripe.STRIPES
    assert _counted(project) == (2, 2)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_cancel_waits_for_a_claim_in_flight_and_leaves_its_slot_taken():
    """A cancel locks the open slots it refunds, so it waits for a claim that holds one (which read
    the project open without a lock) and then finds that slot taken: nothing is refunded twice,
    no open slot is left in the cancelled project, and the stripes agree."""
    coop = CoopFactory()
    worker = member(coop).user
    project = published_project(coop, tasks=3)
    owner = project.organisation.staff.first().user
    release, held = _holding(lambda: assignment_claim(member=worker, project=Project.objects.get(pk=project.pk)))
    cancelled = []
    canceller = threading.Thread(target=lambda: (cancelled.append(project_cancel(actor=owner, project=project)),
                                                 connections.close_all()))
    canceller.start()
    canceller.join(timeout=1)
    assert canceller.is_alive()  # waiting for the claim's slot
    release()
    canceller.join(timeout=30)
    assert isinstance(held[0], Assignment) and cancelled and cancelled[0].status == Project.Status.CANCELLED
    assert Slot.objects.get(pk=held[0].slot_id).status == Slot.Status.TAKEN
    assert _counted(project) == (0, 0)
    assert Slot.objects.filter(project=project, status=Slot.Status.CANCELLED).count() == 2
    assert open_slot_counts_off() == []
