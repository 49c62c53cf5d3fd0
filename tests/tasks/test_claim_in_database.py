"""A claim and a submission in the database (issue 18): on PostgreSQL each is ONE call of a
PL/pgSQL function (`atelier_claim`, `atelier_submit`, tasks migration 0011); the Python path is
the reference and still runs on SQLite and for whatever the functions leave to it.

Every scenario here runs on both paths (the `path` fixture): "python" forces the Python path
(on SQLite and on PostgreSQL), "database" (PostgreSQL) makes every claim and submission go to
the function first, even the first one of a process (which otherwise runs in Python to learn
the rulebook in force and the project's form). The same outcome, the same rows, the same event
bytes and the same error codes are asserted on both; on "database", a claim or submission that
succeeds must have been made by the function alone (no call of the Python path)."""

from datetime import timedelta
from types import SimpleNamespace

import psycopg
import pytest
from django.utils import timezone
from psycopg import _connection_base

from coop.eventlog.canonical import canonical_bytes
from coop.eventlog.models import Event
from coop.federation.models import Membership, RulebookVersion
from tasks.errors import (
    Expired,
    FairShareReached,
    InvalidAnswers,
    InvalidState,
    NoFreeSlot,
    NotEligible,
    NotYours,
    OpenCapReached,
)
from tasks.models import Assignment, Project, Slot
from tasks.mturk.models import WorkerBlock
from tasks.qualifications.models import ProjectRequirement
from tasks.qualifications.services import qualification_grant
from tasks.selectors import open_slots_of
from tasks.services import (
    assignment_approve,
    assignment_claim,
    assignment_request_revision,
    assignment_submit,
    claiming,
    data_consent_give,
    fair_share_cap,
    work,
)
from tests.factories import (
    CoopFactory,
    granted_qualification,
    member,
    open_project,
    published_project,
    steward,
)
from tests.threads import together

pytestmark = pytest.mark.django_db


class _InForceNow(dict):
    """Stands in for the process's memory of the rulebook in force: always the right number, so
    the function is asked from the first claim on."""

    def get(self, coop_id, default=None):
        version = RulebookVersion.objects.filter(coop_id=coop_id, effective_at__lte=timezone.now()).order_by(
            "-number").first()
        return version.number if version else default


class _EveryForm(dict):
    """Stands in for the process's memory of the projects' forms: every project's, from the
    database (the function still compares it with the project's own)."""

    def get(self, project_id, default=None):
        project = Project.objects.filter(pk=project_id).first()
        return (project.coop_id, project.question_form, tuple(project.data_flags or ())) if project else default


@pytest.fixture(params=["python", pytest.param("database", marks=pytest.mark.postgres)])
def path(request, monkeypatch):
    calls = {"claim": 0, "submit": 0}
    real_claim, real_submit = claiming._claim_in_python, work._submit_in_python

    def claim_in_python(**kwargs):
        calls["claim"] += 1
        return real_claim(**kwargs)

    def submit_in_python(**kwargs):
        calls["submit"] += 1
        return real_submit(**kwargs)

    monkeypatch.setattr(claiming, "_claim_in_python", claim_in_python)
    monkeypatch.setattr(work, "_submit_in_python", submit_in_python)
    if request.param == "python":
        monkeypatch.setattr(claiming, "_claim_in_database", lambda *args: None)
        monkeypatch.setattr(work, "_submit_in_database", lambda *args: None)
    else:
        monkeypatch.setattr(claiming, "_IN_FORCE", _InForceNow())
        monkeypatch.setattr(work, "_FORMS", _EveryForm())
    return SimpleNamespace(name=request.param, python=calls)


def in_database(path, kind, before=0):
    """On the database path, nothing of this kind went to Python since `before` calls."""
    return path.name != "database" or path.python[kind] == before


def claim_event(assignment):
    return Event.objects.get(type="assignment.claimed", subject_id=str(assignment.pk))


def test_a_claim_takes_a_slot_and_records_the_same_row_and_event(path):
    coop = CoopFactory()
    worker = member(coop)
    project = open_project(coop, tasks=3)
    returned = assignment_claim(member=worker.user, project=project)
    assert in_database(path, "claim")
    stored = Assignment.objects.get(pk=returned.pk)
    for field in Assignment._meta.concrete_fields:  # the returned instance is the row written, every field
        assert getattr(stored, field.attname) == getattr(returned, field.attname), field.attname
    assert not returned._state.adding and returned._state.db == "default" and returned.member == worker.user
    assert stored.status == "claimed" and stored.rulebook_version == 1
    assert stored.deadline_at == stored.claimed_at + timedelta(minutes=30)
    assert stored.slot_id == Slot.objects.filter(project=project).order_by("pk").first().pk  # the first open slot
    assert Slot.objects.get(pk=stored.slot_id).status == "taken"
    assert open_slots_of(project.pk) == 2
    event = claim_event(stored)
    assert (event.coop_id, event.actor_id, event.subject_type) == (coop.pk, worker.user_id, "tasks.assignment")
    assert event.payload_json == {"actor": worker.user_id, "assignment": stored.pk, "membership": worker.pk,
                                  "organisation": project.organisation_id, "project": project.pk}
    assert bytes(event.payload) == canonical_bytes(event.payload_json)  # the bytes the event log hashes
    assert len(bytes(event.salt)) == 16 and event.occurred_at > 0


def test_no_free_slot_and_a_task_already_worked_leave_the_counter_as_it_was(path):
    coop = CoopFactory()
    worker, late = member(coop).user, member(coop).user
    project = open_project(coop, tasks=1, assignments_per_task=3)
    assignment_claim(member=worker, project=project)
    with pytest.raises(NoFreeSlot):  # the two open slots are of the task this member took
        assignment_claim(member=worker, project=project)
    assert open_slots_of(project.pk) == 2 == Slot.objects.filter(status="open").count()
    full = open_project(coop, tasks=1)
    assignment_claim(member=worker, project=full)
    with pytest.raises(NoFreeSlot) as info:
        assignment_claim(member=late, project=full)
    assert info.value.code == "no_free_slot"
    assert open_slots_of(full.pk) == 0 and Assignment.objects.filter(member=late).count() == 0
    assert Event.objects.filter(type="assignment.claimed").count() == 2


def test_the_fair_share_gives_the_same_error_and_extra(path):
    coop = CoopFactory()
    worker = member(coop).user
    project = open_project(coop, tasks=4, fair_share_cap=2)
    assignment_claim(member=worker, project=project)
    assignment_claim(member=worker, project=project)
    with pytest.raises(FairShareReached) as info:
        assignment_claim(member=worker, project=project)
    until = Project.objects.get(pk=project.pk).fair_share_until
    assert info.value.code == "fair_share_reached" and info.value.extra == {"cap": 2, "until": until.isoformat()}
    assert open_slots_of(project.pk) == 2
    calls = path.python["claim"]
    assert assignment_claim(member=worker, project=project, now=until + timedelta(seconds=1)).status == "claimed"
    assert in_database(path, "claim", calls)


def test_the_open_cap_gives_the_same_error(path):
    coop = CoopFactory(params={"max_open_assignments": 2})
    worker = member(coop).user
    project = open_project(coop, tasks=5)
    assignment_claim(member=worker, project=project)
    assignment_claim(member=worker, project=project)
    with pytest.raises(OpenCapReached) as info:
        assignment_claim(member=worker, project=project)
    assert info.value.code == "open_assignments_cap"
    assert info.value.extra["reasons"][0]["code"] == "open_assignments_cap"
    assert Assignment.objects.filter(member=worker).count() == 2


def test_not_a_member_gives_the_same_error(path):
    coop = CoopFactory()
    project = open_project(coop)
    for user in (member(CoopFactory()).user, member(coop, status=Membership.Status.APPLICANT).user):
        with pytest.raises(NotEligible) as info:
            assignment_claim(member=user, project=project)
        assert info.value.extra["reasons"][0]["code"] == "not_a_member"
    assert Assignment.objects.count() == 0 and open_slots_of(project.pk) == 3


@pytest.mark.parametrize("status", [Project.Status.DRAFT, Project.Status.PAUSED, Project.Status.CANCELLED])
def test_a_project_not_open_gives_the_same_error(path, status):
    coop = CoopFactory()
    project = open_project(coop)
    Project.objects.filter(pk=project.pk).update(status=status)
    with pytest.raises(InvalidState) as info:
        assignment_claim(member=member(coop).user, project=project)
    assert info.value.code == "project_not_open"
    assert Assignment.objects.count() == 0


def test_data_consent_then_a_claim(path):
    coop = CoopFactory()
    worker = member(coop).user
    project = open_project(coop, data_flags=["personal_data"])
    with pytest.raises(NotEligible) as info:
        assignment_claim(member=worker, project=project)
    assert info.value.extra["reasons"][0]["code"] == "data_consent"
    data_consent_give(member=worker, project=project)
    calls = path.python["claim"]
    assert assignment_claim(member=worker, project=project).status == "claimed"
    assert in_database(path, "claim", calls)


def test_a_banned_data_category_gives_the_same_error(path):
    coop = CoopFactory(params={"banned_data_categories": ["adult_content"]})
    worker = member(coop).user
    project = open_project(coop, data_flags=["adult_content"])
    data_consent_give(member=worker, project=project)
    with pytest.raises(NotEligible) as info:
        assignment_claim(member=worker, project=project)
    assert info.value.extra["reasons"][0]["code"] == "banned_data_category"


def test_a_requesters_block_gives_the_same_error(path):
    coop = CoopFactory()
    worker = member(coop).user
    project = open_project(coop)
    WorkerBlock.objects.create(organisation=project.organisation, member=worker, reason="At random.")
    with pytest.raises(NotEligible) as info:
        assignment_claim(member=worker, project=project)
    assert info.value.extra["reasons"][0]["code"] == "not_offered"
    assert open_slots_of(project.pk) == 3


def test_a_required_qualification_not_held_then_granted(path):
    coop = CoopFactory()
    worker = member(coop).user
    boss = steward(coop).user
    qualification = granted_qualification(coop)
    project = open_project(coop)
    ProjectRequirement.objects.create(project=project, qualification=qualification, added_by=boss)
    with pytest.raises(NotEligible) as info:
        assignment_claim(member=worker, project=Project.objects.get(pk=project.pk))
    assert info.value.extra["reasons"][0]["code"] == "qualification_required"
    qualification_grant(actor=boss, qualification=qualification, member=worker, reason="Reviews carefully.")
    calls = path.python["claim"]
    assert assignment_claim(member=worker, project=Project.objects.get(pk=project.pk)).status == "claimed"
    assert in_database(path, "claim", calls)


@pytest.mark.postgres
def test_a_rulebook_adopted_since_the_process_last_looked_is_the_one_applied(monkeypatch):
    """The function is asked with the rulebook this process last saw in force; when another is in
    force it leaves the claim to Python, which applies the new one and remembers it."""
    coop = CoopFactory(params={"max_open_assignments": 5})
    worker = member(coop).user
    project = open_project(coop, tasks=5)
    monkeypatch.setattr(claiming, "_IN_FORCE", {coop.pk: 1})
    assignment_claim(member=worker, project=project)
    first = RulebookVersion.objects.get(coop=coop, number=1)
    RulebookVersion.objects.create(coop=coop, number=2, effective_at=timezone.now() - timedelta(seconds=1),
                                   parameters={**first.parameters, "max_open_assignments": 1})
    with pytest.raises(OpenCapReached):
        assignment_claim(member=worker, project=project)
    assert claiming._IN_FORCE[coop.pk] == 2
    assert Assignment.objects.filter(member=worker).count() == 1


# --- submissions ----------------------------------------------------------------------------


@pytest.fixture
def claimed(path):
    coop = CoopFactory()
    worker = member(coop).user
    project = open_project(coop, tasks=2)
    return assignment_claim(member=worker, project=project)


def test_a_submission_writes_the_same_row_and_event(path, claimed):
    later = claimed.claimed_at + timedelta(minutes=3, seconds=5, microseconds=999_999)
    done = assignment_submit(member=claimed.member, assignment=claimed, answers={"label": "yes"}, now=later)
    assert in_database(path, "submit")
    stored = Assignment.objects.get(pk=claimed.pk)
    assert (stored.status, stored.answers, stored.draft, stored.time_spent_seconds, stored.submitted_at,
            stored.revisions) == ("submitted", {"label": "yes"}, None, 185, later, 0)
    assert (done.status, done.answers, done.time_spent_seconds, done.submitted_at) == (
        "submitted", {"label": "yes"}, 185, later)
    event = Event.objects.get(type="assignment.submitted")
    assert (event.coop_id, event.actor_id, event.subject_type, event.subject_id) == (
        stored.project.coop_id, stored.member_id, "tasks.assignment", str(stored.pk))
    assert event.payload_json == {"actor": stored.member_id, "assignment": stored.pk, "project": stored.project_id,
                                  "organisation": stored.project.organisation_id, "seconds": 185, "revision": 0}
    assert bytes(event.payload) == canonical_bytes(event.payload_json)


def test_a_submission_refused_gives_the_same_errors_and_changes_nothing(path, claimed):
    other = member(claimed.project.coop).user
    with pytest.raises(NotYours):
        assignment_submit(member=other, assignment=claimed, answers={"label": "yes"})
    with pytest.raises(Expired):
        assignment_submit(member=claimed.member, assignment=claimed, answers={"label": "yes"},
                          now=claimed.deadline_at + timedelta(seconds=1))
    with pytest.raises(InvalidAnswers) as info:
        assignment_submit(member=claimed.member, assignment=claimed, answers={"label": "maybe"})
    assert "label" in info.value.extra["fields"]
    fresh = Assignment.objects.get(pk=claimed.pk)
    assert fresh.status == "claimed" and fresh.answers is None
    assert not Event.objects.filter(type="assignment.submitted").exists()
    assignment_submit(member=claimed.member, assignment=claimed, answers={"label": "no"})
    with pytest.raises(InvalidState) as info:
        assignment_submit(member=claimed.member, assignment=claimed, answers={"label": "yes"})
    assert info.value.code == "not_submittable"
    assert Assignment.objects.get(pk=claimed.pk).answers == {"label": "no"}
    assert Event.objects.filter(type="assignment.submitted").count() == 1


def test_a_revision_resubmitted_adds_its_time_and_counts(path):
    coop = CoopFactory()
    project = published_project(coop, tasks=2)
    worker = member(coop).user
    owner = project.organisation.staff.first().user
    claimed = assignment_claim(member=worker, project=project)
    assignment_submit(member=worker, assignment=claimed, answers={"label": "yes"},
                      now=claimed.claimed_at + timedelta(seconds=100))
    sent_back = assignment_request_revision(actor=owner, assignment=Assignment.objects.get(pk=claimed.pk),
                                            comment="Look again at the corner.")
    calls = path.python["submit"]
    done = assignment_submit(member=worker, assignment=sent_back, answers={"label": "no"},
                             now=sent_back.reviewed_at + timedelta(seconds=40))
    assert in_database(path, "submit", calls)
    stored = Assignment.objects.get(pk=claimed.pk)
    assert (stored.status, stored.revisions, stored.time_spent_seconds, stored.answers) == (
        "submitted", 1, 140, {"label": "no"})
    assert (done.revisions, done.time_spent_seconds) == (1, 140)
    event = Event.objects.filter(type="assignment.submitted").order_by("pk").last()
    assert event.payload_json["revision"] == 1 and event.payload_json["seconds"] == 40


def test_a_submission_that_shows_the_pay_under_the_floor_pauses_the_project(path):
    coop = CoopFactory(params={"floor_check_submissions": 3})
    project = published_project(coop, tasks=6, reward=50, estimated_minutes=2, funds=2_000)
    owner = project.organisation.staff.first().user
    workers = [member(coop).user for _ in range(3)]
    for n, (worker, minutes) in enumerate(zip(workers, (5, 4, 6), strict=True)):
        assignment = assignment_claim(member=worker, project=project)
        assignment_submit(member=worker, assignment=assignment, answers={"label": "yes"},
                          now=assignment.claimed_at + timedelta(minutes=minutes))
        if n == 0:
            assignment_approve(actor=owner, assignment=Assignment.objects.get(pk=assignment.pk))
        if n == 1:
            assert Project.objects.get(pk=project.pk).status == "open"  # 2 submissions: not enough to judge
            assert in_database(path, "submit")
    project.refresh_from_db()
    assert project.status == "paused" and project.floor_median_seconds == 300
    assert Event.objects.filter(type="project.paused_below_floor").count() == 1
    assert Event.objects.filter(type="assignment.submitted").count() == 3


def _submitted_after(path, project, seconds):
    """A new member of the project's coop claims a task and submits it `seconds` later; returns
    whether the submission was decided in the database alone (always true on the Python path)."""
    worker = member(project.coop).user
    assignment = assignment_claim(member=worker, project=project)
    calls = path.python["submit"]
    assignment_submit(member=worker, assignment=assignment, answers={"label": "yes"},
                      now=assignment.claimed_at + timedelta(seconds=seconds))
    return in_database(path, "submit", calls)


def test_the_floor_is_judged_on_the_exact_median_when_half_the_times_are_slow(path):
    # reward 50 at the floor of 1,200 an hour: a median of 151 s or more is under the floor. Four
    # times, two of them slow (160, 170): half the window could make the median, so the exact
    # median is taken, (120 + 160) / 2 = 140 s, and the project stays open, decided in the
    # database. A fifth time of 200 s makes it 160 s: the project pauses.
    coop = CoopFactory(params={"floor_check_submissions": 4})
    project = published_project(coop, tasks=6, reward=50, estimated_minutes=1, funds=2_000)
    for n, seconds in enumerate((100, 120, 160, 170, 200)):
        decided_in_database = _submitted_after(path, project, seconds)
        if n < 4:
            assert Project.objects.get(pk=project.pk).status == "open", seconds
            assert decided_in_database
    project.refresh_from_db()
    assert project.status == "paused" and project.floor_median_seconds == 160
    assert Event.objects.filter(type="project.paused_below_floor").count() == 1
    assert Event.objects.filter(type="assignment.submitted").count() == 5


def test_a_project_paid_well_over_the_floor_stays_open_decided_in_the_database(path):
    # reward 500: under the floor only at a median of 1,501 s or more; no time comes near it
    coop = CoopFactory(params={"floor_check_submissions": 3})
    project = published_project(coop, tasks=5, reward=500, estimated_minutes=1, funds=20_000)
    for seconds in (30, 900, 1_400, 60, 1_500):
        assert _submitted_after(path, project, seconds)
    assert Project.objects.get(pk=project.pk).status == "open"


def test_a_submission_tells_the_webhooks_whether_the_organisation_subscribes(path, django_capture_on_commit_callbacks):
    # tasks migration 0015: atelier_submit answers it; an organisation with an active subscription
    # gets its delivery, one without gets nothing and nothing is asked (the round-trip test below)
    from tasks.webhooks.models import Delivery
    from tasks.webhooks.services import subscription_create
    from tests.webhooks.receiver import Receiver

    coop = CoopFactory()
    subscribing = published_project(coop, tasks=2, funds=2_000)
    silent = published_project(coop, tasks=2, funds=2_000)
    worker = member(coop).user
    with Receiver() as receiver:
        subscription_create(user=subscribing.organisation.owner, organisation=subscribing.organisation,
                            url=receiver.url, events=["assignment.submitted"])
        for project in (subscribing, silent):
            assignment = assignment_claim(member=worker, project=project)
            calls = path.python["submit"]
            with django_capture_on_commit_callbacks(execute=True):
                assignment_submit(member=worker, assignment=assignment, answers={"label": "yes"})
            assert in_database(path, "submit", calls)
    deliveries = Delivery.objects.select_related("subscription")
    assert [(d.subscription.organisation_id, d.event_type) for d in deliveries] == [
        (subscribing.organisation_id, "assignment.submitted")]
    assert len(receiver.received) == 1


# --- concurrency (PostgreSQL, committed transactions in threads) -----------------------------


def _in_threads(fn, args):
    return together([lambda arg=arg: fn(arg) for arg in args])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_members_claiming_ten_slots_at_once_get_exactly_ten_each_once(path):
    coop = CoopFactory()
    users = [member(coop).user for _ in range(50)]
    project = open_project(coop, tasks=10, fair_share_cap=fair_share_cap(slots=10, eligible_members=50))
    results = _in_threads(lambda user: assignment_claim(member=user, project=project).pk, users)
    won = [r for r in results if isinstance(r, int)]
    assert len(won) == 10 and all(isinstance(r, NoFreeSlot) for r in results if not isinstance(r, int)), results
    assignments = Assignment.objects.filter(project=project)
    assert assignments.count() == 10 == len(set(assignments.values_list("slot_id", flat=True)))
    assert len(set(assignments.values_list("member_id", flat=True))) == 10  # the fair share of 1 each
    assert open_slots_of(project.pk) == 0 == Slot.objects.filter(status="open").count()
    assert Event.objects.filter(type="assignment.claimed").count() == 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_member_tapping_many_times_cannot_beat_the_open_cap_or_the_fair_share(path):
    coop = CoopFactory(params={"max_open_assignments": 3})
    worker = member(coop).user
    first_come = open_project(coop, tasks=20)
    results = _in_threads(lambda _n: assignment_claim(member=worker, project=first_come).pk, range(12))
    assert Assignment.objects.filter(member=worker, status="claimed").count() == 3
    assert sum(isinstance(r, int) for r in results) == 3
    assert all(isinstance(r, OpenCapReached) for r in results if not isinstance(r, int)), results
    other = member(coop).user
    fair = open_project(coop, tasks=20, fair_share_cap=2)
    results = _in_threads(lambda _n: assignment_claim(member=other, project=fair).pk, range(8))
    assert Assignment.objects.filter(member=other, project=fair).count() == 2
    assert all(isinstance(r, FairShareReached) for r in results if not isinstance(r, int)), results
    for project in (first_come, fair):
        assert open_slots_of(project.pk) == Slot.objects.filter(project=project, status="open").count()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_assignment_submitted_at_once_is_submitted_once(path):
    coop = CoopFactory()
    worker = member(coop).user
    claimed = assignment_claim(member=worker, project=open_project(coop, tasks=1))
    results = _in_threads(lambda _n: assignment_submit(member=worker, assignment=Assignment.objects.get(
        pk=claimed.pk), answers={"label": "yes"}).pk, range(6))
    assert results.count(claimed.pk) == 1
    assert all(isinstance(r, InvalidState) and r.code == "not_submittable" for r in results if r != claimed.pk)
    assert Event.objects.filter(type="assignment.submitted").count() == 1


# --- round trips ------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_claim_and_a_submission_are_one_round_trip_each(path, monkeypatch):
    """Outside any transaction (a request, the bench) each call is its own transaction: no BEGIN,
    no COMMIT. The webhooks' question (does the organisation subscribe to anything?) is answered
    by the submission's own statement (tasks migration 0015)."""
    coop = CoopFactory()
    workers = [member(coop).user for _ in range(3)]
    project = open_project(coop, tasks=6)
    for worker in workers[:2]:  # warm: the driver prepares what it ran before
        assignment_submit(member=worker, assignment=assignment_claim(member=worker, project=project),
                          answers={"label": "yes"})
    # what a process remembers after its first claim and submission (the fixture's stand-ins query)
    monkeypatch.setattr(claiming, "_IN_FORCE", {coop.pk: 1})
    monkeypatch.setattr(work, "_FORMS", {project.pk: (coop.pk, project.question_form, ())})
    fresh = Project.objects.get(pk=project.pk)
    sent, commands = [], []
    execute, command = psycopg.Cursor.execute, _connection_base.BaseConnection._exec_command
    monkeypatch.setattr(psycopg.Cursor, "execute", lambda self, query, *a, **k: (sent.append(str(query)),
                                                                                 execute(self, query, *a, **k))[1])
    monkeypatch.setattr(_connection_base.BaseConnection, "_exec_command",
                        lambda self, cmd, *a, **k: (commands.append(cmd), command(self, cmd, *a, **k))[1])
    assignment = assignment_claim(member=workers[2], project=fresh)
    claim_sent, claim_commands = list(sent), list(commands)
    sent.clear()
    commands.clear()
    assignment_submit(member=workers[2], assignment=assignment, answers={"label": "yes"})
    if path.name == "database":
        # alone, the claim's transaction does not wait for its WAL flush (claiming.py says why)
        assert claim_sent == [claiming.CLAIM_FUNCTION_ASYNC_SQL] and claim_commands == []
        # and the organisation subscribes to nothing: the function said so, nothing more is asked
        assert sent == [work.SUBMIT_FUNCTION_SQL] and commands == []
    else:  # the Python path: BEGIN, its statements, COMMIT
        assert len(claim_sent) >= 5 and claim_commands[0] == b"BEGIN"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_only_a_claim_alone_commits_without_waiting_for_its_flush(monkeypatch):
    """Alone (no transaction open), the claim's one statement turns `synchronous_commit` off for
    its own transaction, which ends with it; inside a caller's transaction it does not, so the
    caller's other writes (money) keep waiting for their flush."""
    from django.db import connection, transaction

    coop = CoopFactory()
    workers = [member(coop).user for _ in range(3)]
    project = open_project(coop, tasks=6)
    monkeypatch.setattr(claiming, "_IN_FORCE", {coop.pk: 1})
    sent = []
    execute = psycopg.Cursor.execute
    monkeypatch.setattr(psycopg.Cursor, "execute", lambda self, query, *a, **k: (sent.append(str(query)),
                                                                                 execute(self, query, *a, **k))[1])

    def setting():
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    alone = assignment_claim(member=workers[0], project=project)
    assert claiming.CLAIM_FUNCTION_ASYNC_SQL in sent and setting() == "on"
    sent.clear()
    with transaction.atomic():
        inside = assignment_claim(member=workers[1], project=project)
        assert setting() == "on"
    assert claiming.CLAIM_FUNCTION_SQL in sent and claiming.CLAIM_FUNCTION_ASYNC_SQL not in sent
    assert Assignment.objects.filter(pk__in=[alone.pk, inside.pk], status="claimed").count() == 2


@pytest.mark.postgres
def test_the_claim_and_submit_functions_plan_once_without_sequential_scans():
    # tasks migration 0015: a table whose statistics say it is empty must not be scanned whole at
    # every call as it fills (a new database, or statistics taken before the busy hour)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT proname, proconfig FROM pg_proc WHERE proname IN ('atelier_claim', 'atelier_submit')"
                       " ORDER BY proname")
        rows = cursor.fetchall()
    settings = ["enable_seqscan=off", "plan_cache_mode=force_generic_plan"]  # and planned once a connection
    assert rows == [("atelier_claim", settings), ("atelier_submit", settings)]
