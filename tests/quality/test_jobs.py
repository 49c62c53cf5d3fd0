"""The quality job (tasks/quality/jobs.py): one aggregation run performed, its final status
answered; a run already done is not performed again."""

import pytest

from tasks.quality import jobs
from tasks.quality.models import AggregationRun, TaskAggregate
from tasks.quality.services import aggregation_request

pytestmark = pytest.mark.django_db


def test_aggregation_run_performs_a_waiting_run(answered):
    run = aggregation_request(actor=answered["owner"], project=answered["project"], method="majority_vote")
    assert run.status == AggregationRun.Status.PENDING  # queued after commit, which a rolled-back test never reaches
    assert jobs.aggregation_run(run.pk) == AggregationRun.Status.DONE
    assert TaskAggregate.objects.filter(run=run, field="label").count() == 2
    assert jobs.aggregation_run(run.pk) == AggregationRun.Status.DONE
    assert TaskAggregate.objects.filter(run=run, field="label").count() == 2  # not performed twice
