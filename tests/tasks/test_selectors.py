"""The marketplace's reads (tasks/selectors.py): the feed's filters and sorts, the review queue,
counts and measured time, what the ledger asks of the marketplace (held money, statement
subjects, escrow obligations), the publish cost and the claim's one-statement context."""

from datetime import timedelta

import pytest
from django.utils import timezone

from coop.federation.selectors import rulebook_in_force
from tasks import selectors
from tasks.models import Assignment, Project, Slot
from tasks.services import assignment_approve, assignment_claim, assignment_submit
from tests.factories import CoopFactory, member, open_project, organisation, published_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def coop():
    return CoopFactory()


def test_feed_filters_and_sorts(coop, django_assert_num_queries):
    cheap = open_project(coop, title="Cheap", category="labelling", reward=20, estimated_minutes=1)  # 1,200/h
    long = open_project(coop, title="Long", category="transcription", reward=600, estimated_minutes=20)  # 1,800/h
    best = open_project(coop, title="Best", category="labelling", reward=100, estimated_minutes=2)  # 3,000/h
    Project.objects.filter(pk=cheap.pk).update(status=Project.Status.DRAFT)
    open_project(CoopFactory(), title="Elsewhere")
    with django_assert_num_queries(1):
        pay = list(selectors.projects_open_for_feed(coop=coop, sort="pay"))
    assert [p.title for p in pay] == ["Best", "Long"]
    assert pay[0].remaining == 3 and pay[0].hourly == 3000
    assert [p.pk for p in selectors.projects_open_for_feed(coop=coop, category="labelling")] == [best.pk]
    assert [p.pk for p in selectors.projects_open_for_feed(coop=coop, min_hourly=2000)] == [best.pk]
    assert [p.pk for p in selectors.projects_open_for_feed(coop=coop, max_minutes=5)] == [best.pk]
    assert [p.pk for p in selectors.projects_open_for_feed(coop=coop, sort="short")] == [best.pk, long.pk]
    # an unknown sort falls back to newest first
    assert list(selectors.projects_open_for_feed(coop=coop, sort="nonsense")) == list(
        selectors.projects_open_for_feed(coop=coop))
    assert selectors.feed_categories(coop=coop) == ["labelling", "transcription"]


def test_projects_opened_since_lists_batches_opened_later_oldest_first(coop):
    now = timezone.now()
    old, new = open_project(coop), open_project(coop)
    Project.objects.filter(pk=old.pk).update(batch_opened_at=now - timedelta(hours=2))
    Project.objects.filter(pk=new.pk).update(batch_opened_at=now - timedelta(minutes=5))
    assert [p.pk for p in selectors.projects_opened_since(coop_id=coop.pk, since=now - timedelta(hours=1))] == [new.pk]
    assert [p.pk for p in selectors.projects_opened_since(coop_id=coop.pk, since=now - timedelta(days=1))] == [
        old.pk, new.pk]
    assert selectors.projects_opened_since(coop_id=coop.pk, since=now - timedelta(days=1), limit=1)[0].pk == old.pk


def _submitted(project, n, minutes=3):
    done = []
    for _ in range(n):
        user = member(project.coop).user
        a = assignment_claim(member=user, project=project)
        done.append(assignment_submit(member=user, assignment=a, answers={"label": "yes"},
                                      now=a.claimed_at + timedelta(minutes=minutes)))
    return done


def test_review_queue_and_next_for_review(coop):
    org = organisation()
    waiting = open_project(coop, organisation=org, tasks=3)
    open_project(coop, organisation=org)  # nothing submitted: not in the queue
    first, second = _submitted(waiting, 2)
    queue = list(selectors.review_queue(organisation=org))
    assert [(p.pk, p.waiting, p.first_waiting) for p in queue] == [(waiting.pk, 2, first.pk)]
    assert selectors.assignment_next_for_review(project=waiting) == first
    assert selectors.assignment_next_for_review(project=waiting, after=first) == second
    assert list(selectors.review_queue(organisation=organisation())) == []


def test_project_counts_and_time_spent(coop):
    project = open_project(coop, tasks=3, reward=100, estimated_minutes=2)
    _submitted(project, 2, minutes=4)
    counts = selectors.project_counts(project=project)
    assert counts["assignments"] == [("submitted", 2)]
    assert counts["slots"] == {Slot.Status.TAKEN: 2, Slot.Status.OPEN: 1} and counts["tasks"] == 3
    spent = selectors.project_time_spent(project=project)
    assert (spent["median_seconds"], spent["count"], spent["estimated_seconds"]) == (240, 2, 120)
    assert spent["effective_hourly_rate"] == 1500 and spent["median_minutes"] == 4.0
    assert selectors.project_time_spent(project=open_project(coop))["median_seconds"] is None


def test_assignments_for_review_filter_and_search(coop):
    project = open_project(coop, tasks=3)
    first, second = _submitted(project, 2)
    assert list(selectors.assignments_for_review(project=project, search=str(first.pk))) == [first]
    assert list(selectors.assignments_for_review(project=project, search="abc")) == []
    assert set(selectors.assignments_for_review(project=project, status="submitted")) == {first, second}
    assert list(selectors.assignments_of_member(member=first.member, statuses=["approved"])) == []
    assert selectors.assignment_owners([first.pk]) == {first.pk: first.member_id}


def test_what_the_ledger_asks_held_lines_subjects_and_obligations(coop):
    project = published_project(coop, tasks=2, reward=100)
    [done] = _submitted(project, 1)
    lines = selectors.member_held_lines(user=done.member)
    assert [(line["amount"], line["link"]) for line in lines] == [(100, f"/work/assignments/{done.pk}/")]
    subjects = selectors.statement_subjects(keys=[f"assignment:{done.pk}:release", f"project:{project.pk}:hold:1",
                                                  "payout:4:x", "assignment:nope"])
    assert set(subjects) == {f"assignment:{done.pk}:release", f"project:{project.pk}:hold:1"}
    assert subjects[f"project:{project.pk}:hold:1"]["requester_link"] == f"/requester/projects/{project.pk}/"
    slots = {s.pk: s.fee for s in Slot.objects.filter(project=project)}
    assert selectors.escrow_obligations(ids=[project.pk]) == {project.pk: 200 + sum(slots.values())}
    assignment_approve(actor=project.organisation.owner, assignment=done)
    open_slot = Slot.objects.get(project=project, status=Slot.Status.OPEN)
    assert selectors.escrow_obligations(ids=[project.pk]) == {project.pk: 100 + open_slot.fee}
    assert selectors.member_held_lines(user=done.member) == []


def test_publish_cost_matches_the_balance_and_the_floor(coop):
    org = organisation()
    rulebook = rulebook_in_force(coop=coop)
    cost = selectors.publish_cost(organisation=org, rulebook=rulebook, reward=10, estimated_minutes=1, slots=4)
    assert cost["pay"] == 40 and cost["total"] == 40 + cost["fees"].total
    assert cost["balance_before"] == 0 and cost["short"] == cost["total"]
    assert cost["hourly_rate"] == 600 and cost["below_floor"] is (600 < rulebook["floor_hourly_rate"])
    assert sum(amount for _code, amount, _pct in cost["parts"]) == cost["fees"].total


def test_terms_of_keeps_the_version_a_project_was_published_under(coop):
    project = open_project(coop)
    rulebook = rulebook_in_force(coop=coop)
    assert selectors.terms_of(project, rulebook) is rulebook
    project.rulebook_version = 99  # a version that does not exist: the one in force, as a dict
    assert selectors.terms_of(project, rulebook) == dict(rulebook.parameters)


def test_claim_context_reads_a_member_and_refuses_a_stranger(coop):
    project = open_project(coop)
    worker = member(coop).user
    context = selectors.claim_context(user_id=worker.pk, project_id=project.pk, now=timezone.now())
    assert (context["status"], context["coop_id"], context["open_count"], context["held"]) == ("open", coop.pk, 0, 0)
    assert context["rulebook"] == 1
    stranger = member().user
    assert selectors.claim_context(user_id=stranger.pk, project_id=project.pk, now=timezone.now()) is None


def test_work_frame_for_asks_each_registered_frame(monkeypatch, coop):
    monkeypatch.setattr(selectors, "_WORK_FRAMES", [])
    assignment = Assignment(pk=5)
    assert selectors.work_frame_for(assignment=assignment, request=None) is None
    selectors.register_work_frame(lambda a, request: None)
    selectors.register_work_frame(lambda a, request: {"url": f"/frame/{a.pk}/", "height": 400})
    assert selectors.work_frame_for(assignment=assignment, request=None) == {"url": "/frame/5/", "height": 400}
