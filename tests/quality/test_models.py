"""Quality's models (tasks/quality/models.py): a run's progress in percent, and one result per
run, task and field."""

import pytest
from django.db import IntegrityError, transaction

from tasks.quality.models import AggregationRun, TaskAggregate
from tests.factories import open_project


@pytest.mark.parametrize(("status", "done", "total", "percent"), [
    ("pending", 0, 0, 0), ("running", 1, 4, 25), ("running", 4, 4, 99), ("done", 0, 0, 100), ("failed", 2, 4, 50),
])
def test_a_runs_percent_reaches_100_only_when_done(status, done, total, percent):
    assert AggregationRun(status=status, done_steps=done, total_steps=total).percent == percent


@pytest.mark.django_db
def test_one_result_per_run_task_and_field():
    project = open_project(tasks=1)
    run = AggregationRun.objects.create(project=project)
    task = project.tasks.get()
    TaskAggregate.objects.create(run=run, task=task, field="label", answer="yes", agreement=1.0, answers=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        TaskAggregate.objects.create(run=run, task=task, field="label", answer="no", agreement=0.5, answers=3)
    assert str(run) == f"aggregation {run.pk} of project {project.pk} (pending)"
