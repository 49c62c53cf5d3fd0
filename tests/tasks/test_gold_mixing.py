"""Gold tasks mixed into each member's work at the project's rate (issue 20), within the coop's
voted bound `gold_rate_max_pct`.

The claim (tasks/services/claiming.py, one statement on PostgreSQL, the ORM on SQLite) takes a
gold slot when the member's gold tasks so far in the project, this claim counted, would fall
below the rate. The reference used here is written independently of that rule: after n claims a
member has had ceil(rate x n / 100) gold tasks, while there is gold and plain work left."""

import json
import math
import threading

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.requesters.services import api_key_create
from coop.core.errors import DomainError
from coop.federation import rulebook as spec
from tasks.errors import NoFreeSlot
from tasks.models import Project, Slot, Task
from tasks.quality.services import gold_remove, gold_set
from tasks.services import assignment_claim, assignment_return, assignment_submit, project_create, task_gold_mark
from tests.factories import CoopFactory, member, open_project, organisation, project_fields

pytestmark = pytest.mark.django_db
WHY = "The animal has whiskers and pointed ears: a cat."


def gold_project(*, gold, plain, rate, coop=None, gold_first=False):
    """An open project of `gold` gold tasks and `plain` plain ones, the gold ones after the plain
    ones in slot order (or before, with `gold_first`), mixing gold in at `rate` percent."""
    project = open_project(coop or CoopFactory(), tasks=gold + plain, gold_rate_pct=rate)
    tasks = list(project.tasks.order_by("pk"))
    for task in (tasks[:gold] if gold_first else tasks[plain:]):
        task_gold_mark(task=task, gold=True)
    return project


def work_through(project, worker, claims):
    """Claim and submit `claims` tasks; the list of whether each claim was a gold task."""
    kinds = []
    for _ in range(claims):
        assignment = assignment_claim(member=worker, project=project)
        kinds.append(Task.objects.get(pk=assignment.task_id).is_gold)
        assignment_submit(member=worker, assignment=assignment, answers={"label": "yes"})
    return kinds


@pytest.mark.parametrize("rate", [10, 20, 25, 50])
def test_a_members_gold_share_tracks_the_projects_rate(rate):
    project = gold_project(gold=12, plain=24, rate=rate)
    worker = member(project.coop).user
    kinds = work_through(project, worker, 20)
    for n in range(1, 21):
        assert sum(kinds[:n]) == math.ceil(rate * n / 100), (rate, n, kinds)
    # another member's share is their own: they start from their first claim
    other = member(project.coop).user
    assert work_through(project, other, 4)[0] is True


def test_the_claim_takes_the_other_kind_rather_than_fail_while_a_slot_is_free():
    project = gold_project(gold=1, plain=3, rate=50, gold_first=False)
    worker = member(project.coop).user
    assert work_through(project, worker, 4) == [True, False, False, False]  # the only gold task, then plain
    project = gold_project(gold=3, plain=1, rate=20, coop=project.coop)
    worker = member(project.coop).user
    assert work_through(project, worker, 4) == [True, False, True, True]  # plain ran out: gold rather than nothing
    with pytest.raises(NoFreeSlot):
        assignment_claim(member=worker, project=project)


def test_without_a_rate_gold_tasks_come_in_slot_order_like_any_task():
    project = gold_project(gold=2, plain=2, rate=0, gold_first=True)
    worker = member(project.coop).user
    assert work_through(project, worker, 4) == [True, True, False, False]


def test_a_gold_task_given_back_does_not_count_and_another_gold_task_comes_next():
    project = gold_project(gold=3, plain=6, rate=20)
    worker = member(project.coop).user
    first = assignment_claim(member=worker, project=project)
    assert Task.objects.get(pk=first.task_id).is_gold
    assignment_return(member=worker, assignment=first)
    second = assignment_claim(member=worker, project=project)
    assert Task.objects.get(pk=second.task_id).is_gold and second.task_id != first.task_id


def test_marking_gold_marks_the_task_and_its_slots_and_removing_unmarks_them():
    project = open_project(CoopFactory(), tasks=2, assignments_per_task=3)
    task = project.tasks.order_by("pk").first()
    owner = project.organisation.staff.first().user
    gold_set(actor=owner, task=task, expected={"label": "yes"}, explanation=WHY)
    assert Task.objects.get(pk=task.pk).is_gold
    assert sorted(Slot.objects.filter(project=project).values_list("task_id", "is_gold")) == sorted(
        [(task.pk, True)] * 3 + [(t.pk, False) for t in project.tasks.exclude(pk=task.pk) for _ in range(3)])
    gold_remove(actor=owner, task=task)
    assert not Task.objects.filter(is_gold=True).exists() and not Slot.objects.filter(is_gold=True).exists()


def test_the_coop_bound_is_a_rulebook_parameter_the_federation_bounds():
    values = spec.default_parameters()
    assert values["gold_rate_max_pct"] == 20
    spec.validate_parameters({**values, "gold_rate_max_pct": 35}, spec.default_federation_bounds())
    with pytest.raises(DomainError) as refused:
        spec.validate_parameters({**values, "gold_rate_max_pct": 60}, spec.default_federation_bounds())
    assert "gold_rate_max_pct" in refused.value.extra["parameters"]


def test_a_rate_above_the_coops_bound_is_refused_with_the_bound_and_nothing_is_saved():
    coop = CoopFactory()
    org = organisation()
    owner = org.staff.first().user
    with pytest.raises(DomainError) as refused:
        project_create(actor=owner, organisation=org, coop=coop, **project_fields(gold_rate_pct=21))
    assert refused.value.code == "invalid_project"
    assert "gold_rate_pct" in refused.value.extra["fields"]
    assert refused.value.extra["bounds"]["gold_rate_pct"] == [0, 20]
    assert not Project.objects.exists()
    project = project_create(actor=owner, organisation=org, coop=coop, **project_fields(gold_rate_pct=20))
    assert Project.objects.get(pk=project.pk).gold_rate_pct == 20


def test_the_rate_in_the_api_and_its_error():
    coop = CoopFactory(slug="tana")
    org = organisation()
    owner = org.staff.first().user
    _key, secret = api_key_create(user=owner, organisation=org, name="g", scopes=["read", "projects"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    body = {**project_fields(), "coop": coop.slug, "gold_rate_pct": 30}
    refused = api.post("/api/projects/", body, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_project"
    assert refused.json()["extra"]["bounds"]["gold_rate_pct"] == [0, 20]
    assert "gold_rate_pct" in refused.json()["extra"]["fields"] and not Project.objects.exists()
    made = api.post("/api/projects/", {**body, "gold_rate_pct": 15}, format="json")
    assert made.status_code == 201 and made.json()["gold_rate_pct"] == 15
    assert api.get(f"/api/projects/{made.json()['id']}/").json()["gold_rate_pct"] == 15


def test_the_project_form_shows_the_bound_and_refuses_above_it_in_french():
    coop = CoopFactory(name="Coop Tana")
    org = organisation()
    owner = org.staff.first().user
    client = Client()
    client.force_login(owner)
    url = reverse("tasks:requester_project_create") + f"?org={org.pk}"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'name="gold_rate_pct"' in page and "Coop Tana: 20" in page and "tâches de référence" in page
    fields = {**project_fields(gold_rate_pct=25), "coop": coop.pk, "reward": "0.50"}
    fields["question_form"] = json.dumps(fields["question_form"])
    answer = client.post(url, fields, HTTP_ACCEPT_LANGUAGE="fr")
    assert answer.status_code == 200 and "entre 0 et 20" in answer.content.decode()
    assert not Project.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_claim_statement_locks_only_the_slot_it_takes():
    """The slot subquery's second branch (the other kind) runs only when the first finds nothing:
    while a claim that took a gold slot is open, the first plain slot is not locked by it."""
    project = gold_project(gold=2, plain=2, rate=50)
    worker = member(project.coop).user
    plain = Slot.objects.filter(project=project, is_gold=False).order_by("pk").first()
    held, checked = threading.Event(), threading.Event()
    outcome = {}

    def claim_and_hold():
        from django.db import transaction

        try:
            with transaction.atomic():
                outcome["claimed"] = assignment_claim(member=worker, project=project)
                held.set()
                checked.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=claim_and_hold)
    thread.start()
    assert held.wait(10)
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT id FROM tasks_slot WHERE id = %s FOR UPDATE NOWAIT", [plain.pk])
            assert cursor.fetchone()[0] == plain.pk
            cursor.execute("ROLLBACK")
    finally:
        checked.set()
        thread.join(10)
    assert Task.objects.get(pk=outcome["claimed"].task_id).is_gold
