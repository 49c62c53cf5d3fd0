"""Gold tasks: the requester marks a task gold with its expected answer and an explanation.

The expected answer is checked against the project's form like a member's answer; an error
names its path (`expected.<field>`) and says what is wrong, and nothing is written."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from coop.core.db import retry_transaction
from coop.core.errors import DomainError
from coop.eventlog.services import event_record
from tasks.access import staff_check
from tasks.errors import InvalidAnswers
from tasks.models import Task
from tasks.quality.models import GoldAnswer
from tasks.questions import answers_validate
from tasks.services import task_gold_mark

MIN_EXPLANATION = 10


class InvalidGold(DomainError):
    code = "invalid_gold"


def _task(task):
    return Task.objects.select_related("project__organisation").get(pk=getattr(task, "pk", task))


@retry_transaction
@transaction.atomic
def gold_set(*, actor: User, task: Task | int, expected: dict, explanation: str) -> GoldAnswer:
    """Mark `task` gold (or change its expected answer). Returns the GoldAnswer."""
    task = _task(task)
    project = task.project
    staff_check(user=actor, organisation=project.organisation)
    if not isinstance(expected, dict) or not expected:
        raise InvalidGold(message=_("The expected answer must give at least one field."),
                          extra={"fields": {"expected": _("Give the expected answer as an object of fields.")}})
    try:
        clean = answers_validate([dict(f, required=False) for f in project.question_form], expected, task.data)
    except InvalidAnswers as exc:
        fields = {f"expected.{name}": message for name, message in exc.extra.get("fields", {}).items()}
        raise InvalidGold(message=_("The expected answer does not match the form."), extra={"fields": fields})
    explanation = str(explanation or "").strip()
    if len(explanation) < MIN_EXPLANATION:
        raise InvalidGold(message=_("Explain the expected answer (at least %(n)d characters): members read it.")
                          % {"n": MIN_EXPLANATION}, extra={"fields": {"explanation": _("Too short.")}})
    gold, _created = GoldAnswer.objects.update_or_create(
        task=task, defaults={"project": project, "expected": clean, "explanation": explanation, "created_by": actor})
    task_gold_mark(task=task, gold=True)  # the claim mixes it in at the project's rate
    event_record(type="task.gold_set", coop=project.coop_id, actor=actor, subject=task,
                 payload={"task": task.pk, "project": project.pk, "organisation": project.organisation_id})
    return gold


@retry_transaction
@transaction.atomic
def gold_remove(*, actor: User, task: Task | int) -> bool:
    """Unmark `task` gold. True when it was gold (and the removal is recorded), False when not."""
    task = _task(task)
    staff_check(user=actor, organisation=task.project.organisation)
    deleted, _rows = GoldAnswer.objects.filter(task=task).delete()
    if deleted:
        task_gold_mark(task=task, gold=False)
        event_record(type="task.gold_removed", coop=task.project.coop_id, actor=actor, subject=task,
                     payload={"task": task.pk, "project": task.project_id,
                              "organisation": task.project.organisation_id})
    return bool(deleted)
