import pytest

from tasks.quality.services import aggregation_request, gold_set
from tasks.services import assignment_claim, assignment_submit
from tests.factories import CoopFactory, member, published_project

GOLD_EXPLANATION = "Whiskers and pointed ears: a cat."


@pytest.fixture
def answered():
    """Two tasks answered by three members each (the first task is gold, "yes"): members 1 and 2
    say "yes" then "no", member 3 says "no" twice (out of step on the first task)."""
    coop = CoopFactory()
    project = published_project(coop, tasks=2, reward=100, estimated_minutes=2, assignments_per_task=3)
    owner = project.organisation.owner
    first_task = project.tasks.order_by("pk").first()
    gold_set(actor=owner, task=first_task, expected={"label": "yes"}, explanation=GOLD_EXPLANATION)
    workers = [member(coop).user for _ in range(3)]
    labels = [("yes", "no"), ("yes", "no"), ("no", "no")]
    submitted = []
    for worker, (one, two) in zip(workers, labels, strict=True):
        for _ in range(2):
            a = assignment_claim(member=worker, project=project)
            submitted.append(assignment_submit(member=worker, assignment=a,
                                               answers={"label": one if a.task_id == first_task.pk else two}))
    return {"coop": coop, "project": project, "owner": owner, "workers": workers, "first_task": first_task,
            "submitted": submitted}


@pytest.fixture
def aggregated(answered, django_capture_on_commit_callbacks):
    """`answered` with a majority-vote aggregation run to its end."""
    with django_capture_on_commit_callbacks(execute=True):
        run = aggregation_request(actor=answered["owner"], project=answered["project"], method="majority_vote")
    run.refresh_from_db()
    return {**answered, "run": run}
