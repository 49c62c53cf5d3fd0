"""Performing an aggregation (the job's body): kept apart from `requests` so that only the job
imports crowd-kit and pandas (a second of import time the web processes need not pay)."""

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from coop.core.db import retry_transaction
from tasks.models import Project
from tasks.quality import aggregation
from tasks.quality.locks import run_for_update
from tasks.quality.models import AggregationRun, MemberAgreement, TaskAggregate
from tasks.quality.selectors import project_answers
from tasks.quality.services.requests import event_of_run

log = logging.getLogger(__name__)
WRITE_BATCH = 2000


def _progress(run_id, **fields):
    with transaction.atomic():
        run = run_for_update(run_id)
        for name, value in fields.items():
            setattr(run, name, value)
        run.save(update_fields=list(fields))
        return run


def aggregation_perform(*, run_id: int, now: datetime | None = None) -> AggregationRun:
    """Run an aggregation (the job's body). Not atomic: the models are fitted with no
    transaction open; progress and results are written in short transactions."""
    now = now or timezone.now()
    with transaction.atomic():
        run = run_for_update(run_id)
        if run.status != AggregationRun.Status.PENDING:
            return run
        run.status, run.started_at = AggregationRun.Status.RUNNING, now
        run.save(update_fields=["status", "started_at"])
    project = Project.objects.get(pk=run.project_id)
    try:
        return _perform(run, project)
    except Exception as exc:
        log.exception("aggregation %s failed", run_id)
        _progress(run_id, status=AggregationRun.Status.FAILED, message=str(exc)[:300], finished_at=timezone.now())
        raise


def _perform(run, project):
    answers = project_answers(project_id=project.pk)
    fields = [f for f in project.question_form if isinstance(f, dict) and f.get("name")]
    task_ids = sorted({task for task, _member, _answers in answers})
    write_steps = max(1, -(-len(task_ids) * max(1, len(fields)) // WRITE_BATCH))
    _progress(run.pk, total_steps=len(fields) + write_steps + 1, done_steps=1, answers=len(answers),
              tasks=len(task_ids))
    per_task_count = {}
    for task, _member, _answers in answers:
        per_task_count[task] = per_task_count.get(task, 0) + 1
    results, per_answer_all, step = [], [], 1
    for field in fields:
        name = field["name"]
        rows = [(task, member, given[name]) for task, member, given in answers
                if given.get(name) not in (None, "", [])]
        computed = aggregation.field_aggregate(kind=field.get("type"), rows=rows, method=run.method)
        step += 1
        _progress(run.pk, done_steps=step)
        if computed is None:
            continue
        by_task, per_answer = computed
        per_answer_all.append(per_answer)
        for task, result in by_task.items():
            results.append(TaskAggregate(run_id=run.pk, task_id=task, field=name, answer=result.answer,
                                         confidence=result.confidence, agreement=result.agreement,
                                         answers=result.answers))
    for start in range(0, len(results), WRITE_BATCH):
        with transaction.atomic():
            TaskAggregate.objects.bulk_create(results[start:start + WRITE_BATCH])
        step += 1
        _progress(run.pk, done_steps=step)
    members = aggregation.member_agreement(per_answer_all, per_task_count)
    return _finish(run.pk, members, len(task_ids))


@retry_transaction
@transaction.atomic
def _finish(run_id, members, tasks):
    run = run_for_update(run_id)
    MemberAgreement.objects.bulk_create([MemberAgreement(run_id=run_id, member_id=member, answers=count,
                                                         agreement=value)
                                         for member, (count, value) in members.items()], batch_size=2000)
    run.status, run.finished_at, run.done_steps = AggregationRun.Status.DONE, timezone.now(), run.total_steps
    run.save(update_fields=["status", "finished_at", "done_steps"])
    event_of_run("aggregation.ready", run, tasks=tasks)
    return run
