"""Project.open_slots, the count of open slots kept in the project's row (issue 18): it follows
every slot that opens, is taken, reopens or is cancelled, in the same transaction, and a claim
costs a fixed number of statements."""

import random
import threading
from datetime import timedelta

import psycopg
import pytest
from django.db import connections
from django.utils import timezone

from tasks.errors import FairShareReached, InvalidState, NoFreeSlot
from tasks.models import Assignment, Project, Slot
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

pytestmark = pytest.mark.django_db


def _counted(project):
    """(the row's counter, the open slots counted one by one)."""
    return (Project.objects.get(pk=project.pk).open_slots,
            Slot.objects.filter(project=project, status=Slot.Status.OPEN).count())


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
    queries = 11  # tests/tasks/test_feed_pages.py says which
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
    errors, barrier = [], threading.Barrier(len(users) + 1)

    def work(user, seed):
        rng = random.Random(seed)
        try:
            barrier.wait(timeout=30)
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
        except Exception as exc:  # noqa: BLE001 - each thread reports what went wrong
            errors.append(exc)
        finally:
            connections.close_all()

    def cancel():
        try:
            barrier.wait(timeout=30)
            threading.Event().wait(0.3)
            project_cancel(actor=owner, project=project)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(u, i)) for i, u in enumerate(users)]
    threads.append(threading.Thread(target=cancel))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert errors == []
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
    errors, barrier = [], threading.Barrier(len(users))

    def work(user, seed):
        rng = random.Random(seed)
        try:
            barrier.wait(timeout=30)
            for _ in range(8):
                try:
                    assignment = assignment_claim(member=user, project=project)
                except NoFreeSlot:
                    continue
                if rng.random() < 0.5:
                    assignment_return(member=user, assignment=assignment)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(u, i)) for i, u in enumerate(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert errors == []
    counter, counted = _counted(project)
    held = Assignment.objects.filter(project=project, status="claimed").count()
    assert counter == counted == 25 - held
