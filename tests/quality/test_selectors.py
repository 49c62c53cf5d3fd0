"""Quality's reads (tasks/quality/selectors.py): the answers that count, when a project is
complete, a run's results and members, each answer's agreement with the aggregate, what may be
approved by agreement, and gold accuracy."""

from fractions import Fraction

import pytest

from tasks.models import Assignment, Project
from tasks.quality import selectors
from tasks.quality.models import AggregationRun
from tasks.services import assignment_approve
from tests.factories import open_project

pytestmark = pytest.mark.django_db


def test_project_answers_in_task_order(answered):
    rows = selectors.project_answers(project_id=answered["project"].pk)
    assert len(rows) == 6 and [task for task, _m, _a in rows] == sorted(task for task, _m, _a in rows)
    assert {answers["label"] for _t, _m, answers in rows} == {"yes", "no"}
    assert selectors.answered_count(project_id=answered["project"].pk) == 6


def test_a_project_is_complete_once_nothing_waits(answered):
    project = answered["project"]
    assert selectors.project_is_complete(project_id=project.pk) is None  # work waits for review
    for assignment in answered["submitted"]:
        assignment_approve(actor=answered["owner"], assignment=assignment)
    holds = Project.objects.get(pk=project.pk).holds
    assert selectors.project_is_complete(project_id=project.pk) == f"project:{project.pk}:close:{holds}"
    assert selectors.project_is_complete(project_id=open_project().pk) is None  # open slots
    assert selectors.project_is_complete(project_id=10_000_000) is None


def test_run_reads(aggregated):
    project, run = aggregated["project"], aggregated["run"]
    assert run.status == AggregationRun.Status.DONE
    assert selectors.run_latest_done(project=project) == run and selectors.run_active(project=project) is None
    assert selectors.runs_of(project=project) == [run]
    results = selectors.run_results(run=run)
    assert [(task.pk, by_field["label"].answer) for task, by_field in results] == [
        (aggregated["first_task"].pk, "yes"), (results[1][0].pk, "no")]
    members = selectors.run_members(run=run)
    assert [m.agreement for m in members] == [1.0, 1.0, 0.5]  # highest first
    assert members[-1].member_id == aggregated["workers"][2].pk


def test_agreement_by_assignment_and_what_may_be_approved(aggregated):
    run, submitted = aggregated["run"], aggregated["submitted"]
    agreement = selectors.agreement_by_assignment(run=run, assignments=submitted)
    out_of_step = [a.pk for a in submitted if a.member_id == aggregated["workers"][2].pk
                   and a.task_id == aggregated["first_task"].pk]
    assert [pk for pk, value in agreement.items() if value == 0] == out_of_step
    assert selectors.agreement_by_assignment(run=None, assignments=submitted) == {}
    approvable = selectors.approvable_by_agreement(project=aggregated["project"], threshold=1.0)
    assert len(approvable) == 5 and all(value == 1.0 for _a, value in approvable)
    assert [a.pk for a, _v in approvable] == sorted(a.pk for a, _v in approvable)


@pytest.mark.parametrize(("given", "aggregate", "same"), [
    ("  Yes ", "yes", True), (["b", "a"], ["a", "b"], True), (["a"], ["a", "b"], False), (3, "3", True),
    ([{"x": 1}], [{"x": 1}], True), ([{"x": 1}], [{"x": 2}], False),
])
def test_answers_compare_as_the_aggregate_does(given, aggregate, same):
    assert selectors._same(given, aggregate) is same


def test_gold_accuracy_and_results(answered):
    workers, project = answered["workers"], answered["project"]
    ids = [w.pk for w in workers]
    values, counts = selectors.gold_accuracy_of(member_ids=ids)
    assert values == {ids[0]: Fraction(100), ids[1]: Fraction(100), ids[2]: Fraction(0)}
    assert counts == dict.fromkeys(ids, 1)
    assert selectors.gold_accuracy_of(member_ids=ids, min_count=2)[0] == dict.fromkeys(ids)
    [(assignment, gold, correct)] = selectors.gold_results_of_member(member=workers[2], project=project)
    assert gold.expected == {"label": "yes"} and correct is False
    assert selectors.gold_accuracy_by_project(member=workers[0]) == [(project, 1, 1)]
    record = selectors.gold_record(assignment=assignment)
    assert record["correct"] is False and record["wrong_fields"] == ["label"]
    other = Assignment.objects.filter(member=workers[2]).exclude(task=answered["first_task"]).get()
    assert selectors.gold_record(assignment=other) is None
    assert [g.task_id for g in selectors.gold_of_project(project=project)] == [answered["first_task"].pk]


def test_agreements_of_member_and_coop(aggregated):
    worker = aggregated["workers"][0]
    [mine] = selectors.agreements_of_member(member=worker)
    assert mine.run_id == aggregated["run"].pk and mine.agreement == 1.0
    rows = selectors.agreements_of_coop(coop=aggregated["coop"])
    assert [row.member_id for row in rows][0] == aggregated["workers"][2].pk and len(rows) == 3
