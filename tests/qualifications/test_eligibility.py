"""Metrics from the marketplace's assignments, required qualifications in project
eligibility, and claiming refused without them."""

from datetime import timedelta
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coop.core.errors import DomainError, Forbidden
from coop.eventlog.models import Event
from tasks.eligibility import project_eligibility
from tasks.qualifications.jobs import reevaluate_recent
from tasks.qualifications.models import QualificationGrant
from tasks.qualifications.records import records_for
from tasks.qualifications.selectors import members_meeting, project_eligible_count
from tasks.qualifications.services import attempt_start, attempt_submit, project_requirements_set
from tasks.services import assignment_claim
from tests.factories import (
    RIGHT,
    CoopFactory,
    computed_qualification,
    decided_assignment,
    member,
    open_project,
    organisation,
    paid_test,
)

pytestmark = pytest.mark.django_db

APPROVED_10 = {"metric": "approved_assignments", "op": ">=", "value": 10, "params": {"category": "transcription"}}


def test_metrics_count_only_final_rejections_and_paid_work():
    m = member()
    transcription = open_project(m.coop, tasks=0, category="transcription")
    labelling = open_project(m.coop, tasks=0, category="labelling")
    for status in ("approved", "approved", "overturned", "voided"):
        decided_assignment(m.user, transcription, status)
    decided_assignment(m.user, transcription, "approved", days_ago=40)
    decided_assignment(m.user, labelling, "approved")
    for status in ("rejected", "appealed", "frozen", "submitted"):  # not final: never counted against
        decided_assignment(m.user, transcription, status)
    decided_assignment(m.user, transcription, "rejection_final")
    decided_assignment(m.user, labelling, "upheld")
    keys = ["approved_assignments?category=transcription", "approved_assignments?category=transcription&days=30",
            "approved_assignments", "final_rejections", "overturned_rejections",
            "approval_rate?last=5&min_count=3", "approval_rate?last=100&min_count=20"]
    record = records_for(member_ids=[m.user_id], keys=keys)[m.user_id]
    assert record["approved_assignments?category=transcription"] == 5
    assert record["approved_assignments?category=transcription&days=30"] == 4
    assert record["approved_assignments"] == 6
    assert record["final_rejections"] == 2 and record["overturned_rejections"] == 1
    # 8 decided: 6 paid, 2 final rejections (the most recent 5 are ordered by decision time)
    assert record["approval_rate?last=100&min_count=20"] is None
    assert record["approval_rate?last=100&min_count=20#decided"] == 8
    assert record["approval_rate?last=5&min_count=3#decided"] == 5
    assert isinstance(record["approval_rate?last=5&min_count=3"], Fraction)


def _project_requiring(qualification, **kwargs):
    org = kwargs.pop("organisation", None) or organisation()
    project = open_project(qualification.coop, organisation=org, tasks=2, **kwargs)
    project_requirements_set(actor=org.owner, project=project, qualifications=[qualification])
    return project


def test_claiming_without_the_qualification_is_refused_with_what_is_missing():
    m = member()
    q = computed_qualification(m.coop, APPROVED_10, name="Transcriber")
    project = _project_requiring(q)
    reasons = project_eligibility(member=m.user, project=project)
    assert reasons == [{"code": "qualification_required", "qualification": q.pk,
                        "message": "Needs the qualification “Transcriber”: 10 more approved transcription tasks."}]
    with pytest.raises(Forbidden) as info:
        assignment_claim(member=m.user, project=project)
    assert info.value.code == "not_eligible" and "10 more approved transcription tasks" in str(info.value.message)


def test_a_member_who_meets_the_rule_may_claim_before_the_grant_and_holds_it_after_reevaluation():
    m = member()
    q = computed_qualification(m.coop, APPROVED_10, name="Transcriber")
    done = open_project(m.coop, tasks=0, category="transcription")
    for _ in range(10):
        decided_assignment(m.user, done, "approved", days_ago=0)
    project = _project_requiring(q)
    assert project_eligibility(member=m.user, project=project) == []
    assert assignment_claim(member=m.user, project=project).status == "claimed"
    assert reevaluate_recent() == 1  # the approvals of the last minutes
    assert QualificationGrant.objects.filter(member=m.user, qualification=q, revoked_at__isnull=True).exists()


def test_a_revocation_follows_a_final_rejection_through_the_recent_reevaluation():
    m = member()
    rule = {"metric": "approval_rate", "op": ">=", "value": 90, "params": {"last": 10, "min_count": 5}}
    q = computed_qualification(m.coop, rule, name="Reliable")
    project = open_project(m.coop, tasks=0)
    for _ in range(9):
        decided_assignment(m.user, project, "approved", days_ago=1)
    reevaluate_recent(minutes=2 * 24 * 60)
    assert QualificationGrant.objects.filter(member=m.user, qualification=q, revoked_at__isnull=True).exists()
    decided_assignment(m.user, project, "rejection_final")
    decided_assignment(m.user, project, "rejection_final")
    assert reevaluate_recent() == 1
    revoked = Event.objects.filter(type="qualification.revoked").get().payload_json
    assert revoked["evidence"] == {"approval_rate?last=10&min_count=5": 8000}  # 80.00%


def test_a_test_qualification_opens_the_project_once_passed():
    m = member()
    org = organisation()
    test = paid_test(m.coop, organisation=org)
    project = _project_requiring(test.qualification, organisation=org)
    reasons = project_eligibility(member=m.user, project=project)
    assert [r["code"] for r in reasons] == ["qualification_required"]
    assert "pass the paid test" in reasons[0]["message"]
    attempt_submit(member=m.user, attempt=attempt_start(member=m.user, test=test), answers=RIGHT)
    assert project_eligibility(member=m.user, project=project) == []
    assert assignment_claim(member=m.user, project=project)


def test_project_requirements_set_and_the_eligible_count():
    coop = CoopFactory()
    seniors = [member(coop) for _ in range(3)]
    for s in seniors[:2]:
        s.joined_at = timezone.now() - timedelta(days=60)
        s.save()
    q = computed_qualification(coop)  # 30 days and French (factory profiles speak fr)
    org = organisation()
    project = open_project(coop, organisation=org, tasks=1)
    assert project_eligible_count(project=project) == 3 + 1  # the steward who defined it too
    assert project_eligible_count(project=project, qualifications=[q]) == 2
    project_requirements_set(actor=org.owner, project=project, qualifications=[q])
    assert project_eligible_count(project=project) == 2
    assert members_meeting(coop=coop.pk, qualifications=[q]) == {s.user_id for s in seniors[:2]}
    event = Event.objects.filter(type="project.qualifications_set").get().payload_json
    assert event["qualifications"] == [q.pk]


def test_project_requirements_set_refuses_others_and_another_requesters_qualification():
    coop = CoopFactory()
    mine, theirs = organisation(), organisation()
    foreign = computed_qualification(coop, name="Theirs", organisation=theirs)
    project = open_project(coop, organisation=mine, tasks=1)
    with pytest.raises(DomainError) as info:
        project_requirements_set(actor=mine.owner, project=project, qualifications=[foreign])
    assert info.value.code == "qualification_not_available"
    with pytest.raises(Forbidden):
        project_requirements_set(actor=theirs.owner, project=project, qualifications=[])


def test_a_feed_reads_qualifications_a_fixed_number_of_times(django_assert_num_queries):
    from tasks.eligibility import projects_eligibility
    from tasks.models import Project

    m = member()
    q = computed_qualification(m.coop, APPROVED_10, name="Transcriber")
    org = organisation()
    for _ in range(6):
        _project_requiring(q, organisation=org)

    def feed(n):
        projects = list(Project.objects.filter(coop=m.coop, status="open").order_by("pk")[:n])
        with django_assert_num_queries(11 if connection.vendor == "postgresql" else 12) as captured:
            # SQLite also counts the "requires anything?" probe, which PostgreSQL sends through
            # coop.core.db.execute_one, unseen by Django's query count
            reasons = projects_eligibility(member=m.user, projects=projects)
        assert all(r[0]["code"] == "qualification_required" for r in reasons.values())
        return captured

    # membership, open cap, consents, rulebook (the marketplace's; not its articles); the first project's
    # requirements, the member's grants, the explanation's grant read and the rule's one record
    # read, then the coop's open projects and their requirements; the organisations that blocked
    # the member (tasks.mturk.eligibility, once per feed): the same for 3 or 6 projects
    feed(3)
    feed(6)


def test_a_feed_page_reads_its_projects_requirements_at_once(django_assert_num_queries):
    """`eligibility_of_page` (the feed): the page's requirements in one probe and one read,
    whatever the number of projects, with the same reasons as one project at a time."""
    from tasks.eligibility import MemberContext, eligibility_of_page, projects_eligibility
    from tasks.models import Project

    m = member()
    q = computed_qualification(m.coop, APPROVED_10, name="Transcriber")
    org = organisation()
    for n in range(6):
        _project_requiring(q, organisation=org)
        open_project(m.coop, tasks=1, title=f"Plain {n}")

    def page(n):
        projects = list(Project.objects.filter(coop=m.coop, status="open").order_by("pk")[:n])
        ctx = MemberContext(m.user)
        # rulebook, the page's probe and its requirements, the member's grants, the explanation's
        # grant read and the rule's record read, the requesters' blocks
        with django_assert_num_queries(7):
            reasons = eligibility_of_page(ctx=ctx, projects=projects)
        one_by_one = projects_eligibility(member=m.user, projects=list(
            Project.objects.filter(pk__in=[p.pk for p in projects]).order_by("pk")))
        assert reasons == [one_by_one[p.pk] for p in projects]
        assert sum(1 for r in reasons if r and r[0]["code"] == "qualification_required") == (n + 1) // 2
        assert sum(1 for r in reasons if not r) == n // 2

    page(4)
    page(12)


def _publish_requiring(test, org, coop, *, reference, tasks=4):
    from ledger.services import deposit_record
    from tasks.services import project_create, project_publish, tasks_add
    from tests.factories import operator, project_fields

    deposit_record(operator=operator(), organisation=org, amount=100_000, reference=reference)
    project = project_create(actor=org.owner, organisation=org, coop=coop, **project_fields())
    tasks_add(actor=org.owner, project=project, rows=[{"image_url": f"https://img.example/{i}.jpg"}
                                                      for i in range(tasks)])
    project_requirements_set(actor=org.owner, project=project, qualifications=[test.qualification])
    with CaptureQueriesContext(connection) as queries:
        project = project_publish(actor=org.owner, project=project)
    return project, len(queries)


def test_publish_counts_for_the_fair_share_only_members_holding_the_required_qualification():
    """The fair-share cap at publish (ceil(slots / eligible members)) counts the members who meet
    the project's required qualifications; a transient reason (the open cap) does not exclude
    anyone; each further member of the coop costs the count at most one query (issue 21: it
    was ~5 per member on every publish)."""
    coop = CoopFactory(params={"max_open_assignments": 1})
    org = organisation()
    test = paid_test(coop, organisation=org)
    qualified = [member(coop) for _ in range(2)]
    for m in qualified:
        attempt_submit(member=m.user, attempt=attempt_start(member=m.user, test=test), answers=RIGHT)
    busy = qualified[0].user
    assignment_claim(member=busy, project=open_project(coop, tasks=1))  # at the open cap: still counted
    others = [member(coop) for _ in range(3)]
    project, first = _publish_requiring(test, org, coop, reference="first")
    assert project.allocation_policy == "fair_share" and project.fair_share_cap == 2  # ceil(4 / 2)
    others += [member(coop) for _ in range(5)]
    again, second = _publish_requiring(test, org, coop, reference="second")
    assert again.fair_share_cap == 2
    assert second - first <= 5
