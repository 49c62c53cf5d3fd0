import pytest

from accounts.models import TermsVersion
from coop.core.errors import Conflict, Forbidden
from coop.eventlog.models import Event
from ledger.errors import InsufficientFunds
from ledger.selectors import escrow_balance, requester_balance
from ledger.services import deposit_record
from tasks.errors import BadImport, BelowFloor, InvalidProject, InvalidState
from tasks.models import Project, Slot, Task
from tasks.selectors import escrow_obligations
from tasks.services import (
    assignment_claim,
    project_cancel,
    project_create,
    project_pause,
    project_publish,
    project_resume,
    project_update,
    tasks_add,
)
from tests.factories import CoopFactory, member, operator, organisation, project_fields, published_project

pytestmark = pytest.mark.django_db

ROWS = [{"image_url": f"https://img.example/{i}.jpg"} for i in range(4)]


def _draft(coop=None, org=None, funds=0, **fields):
    org = org or organisation()
    if funds:
        deposit_record(operator=operator(), organisation=org, amount=funds, reference="wire")
    project = project_create(actor=org.owner, organisation=org, coop=coop or CoopFactory(), **project_fields(**fields))
    tasks_add(actor=org.owner, project=project, rows=ROWS)
    return project


def test_project_publish_fixes_fees_creates_slots_and_holds_the_full_cost():
    coop = CoopFactory()
    project = _draft(coop, funds=100_000, reward=1000, estimated_minutes=10, assignments_per_task=2)
    project = project_publish(actor=project.organisation.owner, project=project)
    project.refresh_from_db()
    # 8 slots x 5% of 1000 = 400: federation 20% = 80, juror fund 10% = 40, coop the rest = 280
    assert (project.fee_coop, project.fee_federation, project.fee_juror) == (280, 80, 40)
    assert set(Slot.objects.filter(project=project).values_list("fee_coop", "fee_federation", "fee_juror")) == {
        (35, 10, 5)}
    assert project.rulebook_version == 1 and project.status == "open"
    assert Slot.objects.filter(project=project, status="open").count() == 8
    assert escrow_balance(project=project) == 8 * 1050
    assert requester_balance(organisation=project.organisation) == 100_000 - 8 * 1050
    assert escrow_obligations(ids=[project.pk]) == {project.pk: 8 * 1050}
    event = Event.objects.get(type="project.published")
    assert event.payload_json["organisation"] == project.organisation_id and event.payload_json["slots"] == 8


def test_project_publish_at_a_confirmed_amount_refuses_any_other_and_changes_nothing():
    project = _draft(funds=100_000, reward=1000, estimated_minutes=10, assignments_per_task=2)
    owner = project.organisation.owner
    with pytest.raises(Conflict) as info:  # a total other than what publishing costs now
        project_publish(actor=owner, project=project, expected_amount=8 * 1050 - 1)
    assert info.value.code == "cost_changed" and info.value.extra == {"amount": 8400, "expected_amount": 8399}
    project.refresh_from_db()
    assert project.status == "draft" and not Slot.objects.filter(project=project).exists()
    assert requester_balance(organisation=project.organisation) == 100_000
    project_publish(actor=owner, project=project, expected_amount=8 * 1050)
    assert escrow_balance(project=project) == 8 * 1050


def test_project_publish_below_the_floor_is_refused_and_changes_nothing():
    project = _draft(funds=100_000, reward=30, estimated_minutes=2)  # 900/h < 1200/h
    with pytest.raises(BelowFloor) as info:
        project_publish(actor=project.organisation.owner, project=project)
    assert info.value.extra["minimum_reward"] == 40 and info.value.extra["hourly_rate"] == 900
    project.refresh_from_db()
    assert project.status == "draft" and project.fee_coop == 0 and not Slot.objects.exists()
    assert requester_balance(organisation=project.organisation) == 100_000


def test_project_publish_without_funds_is_refused_and_changes_nothing():
    project = _draft(funds=100)
    with pytest.raises(InsufficientFunds):
        project_publish(actor=project.organisation.owner, project=project)
    project.refresh_from_db()
    assert project.status == "draft" and not Slot.objects.exists()
    assert not Event.objects.filter(type="project.published").exists()


def test_project_publish_needs_current_terms_and_staff():
    project = _draft(org=organisation(terms=False), funds=100_000)
    with pytest.raises(Forbidden) as info:
        project_publish(actor=project.organisation.owner, project=project)
    assert info.value.code == "terms_not_accepted"
    other = organisation()
    with pytest.raises(Forbidden):
        project_publish(actor=other.owner, project=project)
    ready = _draft(funds=100_000)
    TermsVersion.objects.create(number=99, text="New terms")  # not yet accepted by ready's requester
    with pytest.raises(Forbidden):
        project_publish(actor=ready.organisation.owner, project=ready)
    assert Project.objects.filter(status="open").count() == 0


def test_project_publish_twice_and_without_tasks_is_refused():
    project = published_project(tasks=2)
    with pytest.raises(InvalidState):
        project_publish(actor=project.organisation.owner, project=project)
    org = organisation()
    empty = project_create(actor=org.owner, organisation=org, coop=CoopFactory(), **project_fields())
    with pytest.raises(InvalidState) as info:
        project_publish(actor=org.owner, project=empty)
    assert info.value.code == "no_tasks"


def test_project_create_refuses_bad_settings_naming_each_field():
    org = organisation()
    coop = CoopFactory(params={"banned_data_categories": ["adult_content"]})
    with pytest.raises(InvalidProject) as info:
        project_create(actor=org.owner, organisation=org, coop=coop, **project_fields(
            title="", reward=0, estimated_minutes=0, auto_approval_hours=500, data_flags=["adult_content"],
            question_form=[{"name": "x", "type": "nope"}]))
    fields = info.value.extra["fields"]
    assert {"title", "reward", "estimated_minutes", "auto_approval_hours", "data_flags", "question_form"} <= set(fields)
    assert not Project.objects.exists()


def test_project_update_only_while_draft():
    project = _draft(funds=100_000)
    project_update(actor=project.organisation.owner, project=project, title="Dogs too")
    assert Project.objects.get(pk=project.pk).title == "Dogs too"
    project_publish(actor=project.organisation.owner, project=project)
    with pytest.raises(InvalidState):
        project_update(actor=project.organisation.owner, project=project, reward=10_000)


def test_tasks_add_reports_every_bad_row_and_creates_nothing():
    project = _draft()
    rows = [{"image_url": "https://ok.example/1.jpg"}, {"image_url": ""}, {"image_url": "ftp://x"}, {"other": "1"}]
    with pytest.raises(BadImport) as info:
        tasks_add(actor=project.organisation.owner, project=project, rows=rows, first_line=2)
    assert [r["line"] for r in info.value.extra["rows"]] == [3, 4, 5]
    assert Task.objects.filter(project=project).count() == len(ROWS)


def test_tasks_added_to_an_open_project_get_slots_escrow_and_a_new_batch():
    project = published_project(tasks=2)
    before = escrow_balance(project=project)
    tasks_add(actor=project.organisation.owner, project=project, rows=ROWS[:3])
    project.refresh_from_db()
    assert Slot.objects.filter(project=project, status="open").count() == 5
    new = Slot.objects.filter(project=project).order_by("pk")[2:]
    assert escrow_balance(project=project) == before + sum(project.reward + s.fee for s in new)
    assert project.holds == 2


def test_pause_resume_and_cancel_refunds_exactly_the_unused_escrow():
    coop = CoopFactory()
    project = published_project(coop, tasks=5)
    owner = project.organisation.owner
    claimed = assignment_claim(member=member(coop).user, project=project)
    cost = project.reward + claimed.slot.fee
    others = sum(project.reward + s.fee for s in Slot.objects.filter(project=project).exclude(pk=claimed.slot_id))
    project_pause(actor=owner, project=project)
    with pytest.raises(InvalidState):
        assignment_claim(member=member(coop).user, project=project)
    project_resume(actor=owner, project=project)
    balance = requester_balance(organisation=project.organisation)
    project_cancel(actor=owner, project=project)
    assert requester_balance(organisation=project.organisation) == balance + others
    assert escrow_balance(project=project) == cost  # the claimed work may still be finished
    assert escrow_obligations(ids=[project.pk]) == {project.pk: cost}
    assert Slot.objects.filter(project=project, status="cancelled").count() == 4
    with pytest.raises(InvalidState):
        project_cancel(actor=owner, project=project)
    assert requester_balance(organisation=project.organisation) == balance + others
    from tasks.services import assignment_return

    assignment_return(member=claimed.member, assignment=claimed)  # given back after cancel: refunded then
    assert escrow_balance(project=project) == 0
    assert Slot.objects.get(pk=claimed.slot_id).status == "cancelled"


def test_claimed_work_of_a_cancelled_project_is_finished_paid_and_its_member_told(client):
    """DESIGN.md rule 7: a cancel refunds the unclaimed slots; claimed work may be finished and
    is reviewed as usual. So it still counts towards the member's open-assignment cap until it
    is submitted, given back or expired (the cap is not stranded), and the member is told."""
    from accounts.models import Notice
    from ledger.selectors import wallet_balance
    from tasks.eligibility import project_eligibility
    from tasks.models import Assignment
    from tasks.services import assignment_approve, assignment_return, assignment_submit

    coop = CoopFactory()
    project = published_project(coop, tasks=4)
    owner = project.organisation.owner
    worker, quitter, done = member(coop).user, member(coop).user, member(coop).user
    claimed = assignment_claim(member=worker, project=project)
    given_back = assignment_claim(member=quitter, project=project)
    submitted = assignment_submit(member=done, assignment=assignment_claim(member=done, project=project),
                                  answers={"label": "yes"})
    other = published_project(coop, tasks=1)

    project_cancel(actor=owner, project=project)

    told = Notice.objects.filter(kind="project_cancelled")
    assert {n.user_id for n in told} == {worker.pk, quitter.pk}  # the submitted work needs nothing from its member
    notice = told.get(user=worker)
    assert project.title in notice.text and notice.link == f"/work/assignments/{claimed.pk}/"
    client.force_login(worker)
    page = client.get(f"/work/assignments/{claimed.pk}/").content.decode()
    assert "The requester cancelled this project." in page

    assert Assignment.objects.filter(member=worker, status__in=Assignment.OPEN_STATUSES).count() == 1
    assignment_submit(member=worker, assignment=claimed, answers={"label": "no"})
    assert Assignment.objects.filter(member=worker, status__in=Assignment.OPEN_STATUSES).count() == 0
    assert project_eligibility(member=worker, project=other) == []
    assignment_approve(actor=owner, assignment=claimed)
    assignment_approve(actor=owner, assignment=submitted)
    assert wallet_balance(user=worker) == wallet_balance(user=done) == project.reward
    assignment_return(member=quitter, assignment=given_back)
    assert escrow_balance(project=project) == 0
