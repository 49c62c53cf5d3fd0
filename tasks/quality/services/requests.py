"""Writes of quality control: asking for an aggregation (on demand or when a project closes)
and performing it.

An aggregation is a job (`tasks.quality.jobs.aggregation_run`, `services/perform.py`).
A project has at most one waiting or running aggregation; asking again returns it."""


from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from accounts.models import User
from coop.core.db import instance_get, retry_transaction
from coop.core.errors import DomainError
from coop.eventlog.services import event_record
from tasks.access import staff_check
from tasks.models import Project
from tasks.quality.models import AggregationRun
from tasks.quality.selectors import project_is_complete, run_active


def _queue(run_id):
    transaction.on_commit(lambda: async_task("tasks.quality.jobs.aggregation_run", run_id))


def event_of_run(type_: str, run: AggregationRun, actor: User | None = None, **extra: int | str) -> None:
    """Record the run's event `type_` (a helper of the writes that change a run, inside their
    transaction): ids and the method, plus `extra` numbers."""
    project = run.project
    event_record(type=type_, coop=project.coop_id, actor=actor, subject=run,
                 payload={"run": run.pk, "project": project.pk, "organisation": project.organisation_id,
                          "method": run.method, **extra})


@retry_transaction
@transaction.atomic
def aggregation_request(*, actor: User, project: Project | int,
                        method: str = AggregationRun.Method.DAWID_SKENE) -> AggregationRun:
    """The requester asks for an aggregation of the project's answers now."""
    project = Project.objects.select_related("organisation").get(pk=getattr(project, "pk", project))
    staff_check(user=actor, organisation=project.organisation)
    if method not in AggregationRun.Method.values:
        raise DomainError("invalid_method", _("Choose majority vote, Dawid-Skene or GLAD."),
                          {"field": "method", "choices": list(AggregationRun.Method.values)})
    active = run_active(project=project)
    if active is not None:
        return active
    run = AggregationRun.objects.create(project=project, method=method, created_by=actor)
    event_of_run("aggregation.requested", run, actor)
    _queue(run.pk)
    return run


@retry_transaction
@transaction.atomic
def aggregation_on_close(*, project_id: int, cancelled: bool = False) -> AggregationRun | None:
    """A project with overlap closed (cancelled, or every slot's work reviewed): aggregate it
    once per batch with Dawid-Skene. Returns the run, or None when nothing is due."""
    project = instance_get(Project, project_id, ("organisation",))  # after every review: one cheap read
    if project is None or project.assignments_per_task < 2:
        return None
    key = f"project:{project.pk}:cancelled" if cancelled else project_is_complete(project_id=project.pk)
    if key is None:
        return None
    try:
        with transaction.atomic():
            run = AggregationRun.objects.create(project=project, trigger=AggregationRun.Trigger.CLOSE, close_key=key)
    except IntegrityError:
        return None  # this close was aggregated already
    event_of_run("aggregation.requested", run)
    _queue(run.pk)
    return run
