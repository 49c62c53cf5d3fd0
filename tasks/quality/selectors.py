"""Reads of quality control: the answers to aggregate, the runs and results of a project,
a member's agreement and the stewards' view."""

from collections.abc import Collection, Iterable
from fractions import Fraction

from django.db.models import Count, Q

from accounts.models import User
from coop.federation.models import Coop
from tasks.models import Assignment, Project, Task
from tasks.quality.gold import gold_mismatches
from tasks.quality.models import AggregationRun, GoldAnswer, MemberAgreement, TaskAggregate
from tasks.selectors import open_slots_remaining

# answers that count: given and not withdrawn (claimed, returned or expired work has none)
ANSWERED = (Assignment.Status.SUBMITTED, Assignment.Status.APPROVED, Assignment.Status.REJECTED,
            Assignment.Status.REJECTION_FINAL, Assignment.Status.APPEALED, Assignment.Status.UPHELD,
            Assignment.Status.OVERTURNED, Assignment.Status.FROZEN, Assignment.Status.VOIDED)
WAITING = (Assignment.Status.CLAIMED, Assignment.Status.SUBMITTED, Assignment.Status.REVISION_REQUESTED)


def project_answers(*, project_id: int) -> list[tuple[int, int, dict]]:
    """[(task id, member id, answers dict)] of the project, in task order (one query)."""
    return list(Assignment.objects.filter(project_id=project_id, status__in=ANSWERED, answers__isnull=False)
                .order_by("task_id", "pk").values_list("task_id", "member_id", "answers"))


def project_is_complete(*, project_id: int) -> str | None:
    """The close key when the project has no open slot and no work waiting for a member or a
    review (the batch's `holds` names it), else None."""
    project = (Project.objects.filter(pk=project_id).only("pk", "holds", "status")
               .annotate(remaining=open_slots_remaining()).first())
    if project is None or project.remaining or project.status == Project.Status.DRAFT:
        return None
    if Assignment.objects.filter(project_id=project_id, status__in=WAITING).exists():
        return None
    return f"project:{project.pk}:close:{project.holds}"


def runs_of(*, project: Project, limit: int = 10) -> list[AggregationRun]:
    return list(AggregationRun.objects.filter(project=project).order_by("-pk")[:limit])


def run_latest_done(*, project: Project) -> AggregationRun | None:
    return AggregationRun.objects.filter(project=project, status=AggregationRun.Status.DONE).order_by("-pk").first()


def run_active(*, project: Project) -> AggregationRun | None:
    return (AggregationRun.objects.filter(project=project, status__in=(AggregationRun.Status.PENDING,
                                                                        AggregationRun.Status.RUNNING))
            .order_by("-pk").first())


def run_results(*, run: AggregationRun) -> list[tuple[Task, dict[str, TaskAggregate]]]:
    """[(task, {field: TaskAggregate})] in task order."""
    rows = {}
    for result in TaskAggregate.objects.filter(run=run).select_related("task").order_by("task_id", "field"):
        rows.setdefault(result.task_id, (result.task, {}))[1][result.field] = result
    return list(rows.values())


def run_members(*, run: AggregationRun) -> list[MemberAgreement]:
    return list(MemberAgreement.objects.filter(run=run).order_by("-agreement", "member_id"))


def agreement_by_assignment(*, run: AggregationRun | None, assignments: Iterable[Assignment]) -> dict[int, float]:
    """{assignment id: agreement of its answers with the run's aggregate} (fields averaged)."""
    if run is None:
        return {}
    task_ids = {a.task_id for a in assignments}
    aggregates = {}
    for result in TaskAggregate.objects.filter(run=run, task_id__in=task_ids):
        aggregates.setdefault(result.task_id, {})[result.field] = result.answer
    found = {}
    for assignment in assignments:
        wanted = aggregates.get(assignment.task_id)
        if not wanted or not assignment.answers:
            continue
        hits = [_same(assignment.answers.get(name), value) for name, value in wanted.items()]
        found[assignment.pk] = sum(hits) / len(hits)
    return found


def _same(given, aggregate):
    if isinstance(given, list) and isinstance(aggregate, list):
        return sorted(map(str, given)) == sorted(map(str, aggregate)) if not given or not isinstance(
            given[0], dict) else given == aggregate
    if isinstance(given, str) and isinstance(aggregate, str):
        return " ".join(given.lower().split()) == " ".join(aggregate.lower().split())
    return str(given) == str(aggregate)


def agreements_of_member(*, member: User) -> list[MemberAgreement]:
    """The member's agreement per project, from each project's latest finished run."""
    latest = {}
    for row in (MemberAgreement.objects.filter(member=member, run__status=AggregationRun.Status.DONE)
                .select_related("run__project").order_by("run__project_id", "-run_id")):
        latest.setdefault(row.run.project_id, row)
    return list(latest.values())


def agreements_of_coop(*, coop: Coop, limit: int = 200) -> list[MemberAgreement]:
    """Members' agreement in the coop's projects (latest run of each project), for stewards."""
    latest_runs = {}
    for run_id, project_id in (AggregationRun.objects.filter(project__coop=coop, status=AggregationRun.Status.DONE)
                               .order_by("project_id", "-pk").values_list("pk", "project_id")):
        latest_runs.setdefault(project_id, run_id)
    return list(MemberAgreement.objects.filter(run_id__in=latest_runs.values())
                .select_related("member__profile", "run__project").order_by("agreement", "member_id")[:limit])


def answered_count(*, project_id: int) -> int:
    return Assignment.objects.filter(project_id=project_id, status__in=ANSWERED).aggregate(
        n=Count("pk", filter=Q(answers__isnull=False)))["n"]


def approvable_by_agreement(*, project: Project, threshold: float) -> list[tuple[Assignment, float]]:
    """[(assignment, agreement)] of submitted work agreeing at least `threshold` (0-1) with the
    latest finished aggregation, highest first; [] when there is none."""
    run = run_latest_done(project=project)
    if run is None:
        return []
    submitted = list(Assignment.objects.filter(project=project, status=Assignment.Status.SUBMITTED).order_by("pk"))
    agreement = agreement_by_assignment(run=run, assignments=submitted)
    found = [(a, agreement[a.pk]) for a in submitted if a.pk in agreement and agreement[a.pk] >= threshold - 1e-9]
    return sorted(found, key=lambda pair: (-pair[1], pair[0].pk))


# --- gold --------------------------------------------------------------------------------------

def gold_of_project(*, project: Project) -> list[GoldAnswer]:
    return list(GoldAnswer.objects.filter(project=project).select_related("task").order_by("task_id"))


def gold_results_of_member(*, member: User,
                           project: Project | None = None) -> list[tuple[Assignment, GoldAnswer, bool]]:
    """[(assignment, gold, correct)] of the member's submitted work on gold tasks (newest first)."""
    qs = (Assignment.objects.filter(member=member, status__in=ANSWERED, task__gold__isnull=False)
          .select_related("task__gold", "project").order_by("-pk"))
    if project is not None:
        qs = qs.filter(project=project)
    return [(a, a.task.gold, not gold_mismatches(expected=a.task.gold.expected, answers=a.answers)) for a in qs]


def gold_accuracy_by_project(*, member: User) -> list[tuple[Project, int, int]]:
    """[(project, correct, total)] for the member."""
    found = {}
    for assignment, _gold, correct in gold_results_of_member(member=member):
        project, right, total = found.get(assignment.project_id, (assignment.project, 0, 0))
        found[assignment.project_id] = (project, right + correct, total + 1)
    return list(found.values())


def gold_accuracy_of(*, member_ids: Collection[int], min_count: int = 1, category: str | None = None,
                    project_id: int | None = None) -> tuple[dict[int, Fraction | None], dict[int, int]]:
    """{member id: accuracy in percent (Fraction) over their gold tasks, or None below `min_count`}."""
    qs = (Assignment.objects.filter(member_id__in=member_ids, status__in=ANSWERED, task__gold__isnull=False)
          .values_list("member_id", "answers", "task__gold__expected"))
    if category:
        qs = qs.filter(project__category=category)
    if project_id:
        qs = qs.filter(project_id=project_id)
    tally = {}
    for member_id, answers, expected in qs:
        right, total = tally.get(member_id, (0, 0))
        tally[member_id] = (right + (not gold_mismatches(expected=expected, answers=answers)), total + 1)
    values, counts = {}, {}
    for member_id in member_ids:
        right, total = tally.get(member_id, (0, 0))
        counts[member_id] = total
        values[member_id] = Fraction(right * 100, total) if total >= min_count and total else None
    return values, counts


def gold_record(*, assignment: Assignment) -> dict | None:
    """What an appeal shows of a gold task: expected answer, explanation, right or wrong; None
    when the task is not gold."""
    gold = GoldAnswer.objects.filter(task_id=assignment.task_id).first()
    if gold is None:
        return None
    wrong = gold_mismatches(expected=gold.expected, answers=assignment.answers)
    return {"expected": gold.expected, "explanation": gold.explanation, "correct": not wrong, "wrong_fields": wrong}
