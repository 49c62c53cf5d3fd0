"""The stewards' review of a country-restricted project (issue 23; tasks/services/country_review.py,
tasks/views/country_review.py): publishing one takes the money into escrow and opens nothing; one
steward of its coop, not on the requester's staff, approves it (it opens as a publish would) or
refuses it with a written reason (nothing opens, the money goes back in one ledger transaction).
Money is conserved throughout: the books sum to zero, every balance equals its postings, and the
reconciliation (escrow against what the marketplace owes) finds nothing."""

import pytest
from django.db.models import Sum
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Notice
from coop.core.errors import DomainError
from coop.eventlog.models import Event
from ledger.models import Balance, Posting, Transaction
from ledger.selectors import escrow_balance, requester_balance
from ledger.services.reconciliation import reconciliation_run
from tasks.models import Project, Slot
from tasks.selectors import open_slots_of
from tasks.services import project_cancel, project_publish, project_review_approve, project_review_refuse, tasks_add
from tests.factories import CoopFactory, member, steward
from tests.tasks.test_transparency import COUNTRY_RULE, LEGAL, _draft_requiring

pytestmark = pytest.mark.django_db


def _books_balanced():
    posted = dict(Posting.objects.values("account_id").annotate(t=Sum("amount")).values_list("account_id", "t"))
    for balance in Balance.objects.all():
        assert balance.amount == posted.get(balance.account_id, 0)
    assert sum(Balance.objects.values_list("amount", flat=True)) == 0  # no money created or lost
    report = reconciliation_run()
    assert report.ok, report.findings


def _written():
    return (Transaction.objects.count(), Posting.objects.count(), Event.objects.count(), Slot.objects.count(),
            list(Project.objects.values_list("status", "review_state", "review_reason", "escrow_refunded")))


@pytest.fixture
def submitted():
    """A country-restricted project published: in review, its cost in escrow, no slot."""
    coop = CoopFactory()
    project, owner = _draft_requiring(coop, COUNTRY_RULE, **LEGAL)
    reviewer = steward(coop).user
    before = requester_balance(organisation=project.organisation)
    project = project_publish(actor=owner, project=project)
    return {"coop": coop, "project": project, "owner": owner, "before": before, "steward": reviewer}


def test_publishing_a_country_restricted_project_holds_the_money_and_opens_nothing(submitted):
    project = submitted["project"]
    assert project.status == Project.Status.REVIEW and project.review_state == "pending"
    assert not project.slots.exists() and open_slots_of(project.pk) == 0 and project.published_at is None
    held = escrow_balance(project=project)
    assert held > 0 and held == project.escrow_held
    assert requester_balance(organisation=project.organisation) == submitted["before"] - held
    assert Event.objects.filter(type="project.review_submitted", subject_id=project.pk).count() == 1
    assert not Event.objects.filter(type="project.published").exists()
    assert Notice.objects.filter(user=submitted["steward"], kind="project_review").count() == 1
    _books_balanced()


def test_a_project_without_a_country_requirement_opens_at_publish():
    from tests.factories import published_project

    assert published_project(CoopFactory(), **LEGAL).status == Project.Status.OPEN  # a reason alone asks no review


def test_a_steward_approves_and_it_opens_as_a_publish_would(submitted):
    project, held = submitted["project"], submitted["project"].escrow_held
    opened = project_review_approve(steward=submitted["steward"], project=project)
    assert opened.status == Project.Status.OPEN and opened.review_state == "approved"
    assert opened.published_at is not None and open_slots_of(opened.pk) == 1 and opened.slots.count() == 1
    slot = opened.slots.get()
    assert project.reward + slot.fee == held == escrow_balance(project=project)  # the slots cost what was held
    assert opened.fee == slot.fee
    types = list(Event.objects.filter(subject_id=project.pk).values_list("type", flat=True))
    assert "project.review_approved" in types and "project.published" in types
    assert Notice.objects.filter(user=submitted["owner"], kind="project_review").exists()
    _books_balanced()


def test_a_steward_refuses_with_a_reason_and_the_money_goes_back_in_one_transaction(submitted):
    project, owner = submitted["project"], submitted["owner"]
    transactions = Transaction.objects.count()
    refused = project_review_refuse(steward=submitted["steward"], project=project,
                                    reason="The ethics approval cited has expired; send the renewed one.")
    assert refused.status == Project.Status.DRAFT and refused.review_state == "refused"
    assert not refused.slots.exists()
    assert Transaction.objects.count() == transactions + 1
    assert escrow_balance(project=project) == 0
    assert requester_balance(organisation=project.organisation) == submitted["before"]
    event = Event.objects.get(type="project.review_refused", subject_id=project.pk)
    assert b"expired" not in bytes(event.payload)  # the reason is the requester's, not the log's
    notice = Notice.objects.get(user=owner, kind="project_review")
    assert "ethics approval cited has expired" in notice.text
    _books_balanced()
    # the requester may publish it again: a new hold, reviewed anew
    again = project_publish(actor=owner, project=refused)
    assert again.status == Project.Status.REVIEW and escrow_balance(project=project) == again.escrow_held - \
        again.escrow_refunded > 0
    project_review_approve(steward=submitted["steward"], project=again)
    _books_balanced()


@pytest.mark.parametrize("reason", ["", "   ", "too short", "x\x00" * 10, "x" * 1001])
def test_a_refusal_without_a_written_reason_is_refused_and_nothing_is_written(submitted, reason):
    before = _written()
    with pytest.raises(DomainError) as err:
        project_review_refuse(steward=submitted["steward"], project=submitted["project"], reason=reason)
    assert err.value.code == "reason_required"
    assert _written() == before


def test_only_a_steward_of_the_coop_who_is_not_the_requester_reviews(submitted):
    project = submitted["project"]
    before = _written()
    outsiders = [member(submitted["coop"]).user, steward(CoopFactory()).user, submitted["owner"]]
    for user in outsiders:
        with pytest.raises(DomainError) as err:
            project_review_approve(steward=user, project=project)
        assert err.value.status == 403
    both = steward(submitted["coop"]).user  # a steward on the requester's staff
    from accounts.models import OrganisationStaff
    OrganisationStaff.objects.create(organisation=project.organisation, user=both)
    with pytest.raises(DomainError) as err:
        project_review_refuse(steward=both, project=project, reason="I would rather not review my own.")
    assert err.value.code == "reviewer_is_requester"
    assert _written() == before


def test_a_decided_project_is_not_decided_twice(submitted):
    project_review_approve(steward=submitted["steward"], project=submitted["project"])
    with pytest.raises(DomainError) as err:
        project_review_refuse(steward=submitted["steward"], project=submitted["project"],
                              reason="Too late for this, it is already open.")
    assert err.value.code == "not_in_review"
    _books_balanced()


def test_in_review_tasks_and_requirements_stay_as_submitted_and_a_cancel_refunds_all(submitted):
    from tasks.qualifications.services import project_requirements_set

    project, owner = submitted["project"], submitted["owner"]
    with pytest.raises(DomainError):
        tasks_add(actor=owner, project=project, rows=[{"image_url": "https://img.example/2.jpg"}])
    with pytest.raises(DomainError):
        project_requirements_set(actor=owner, project=project, qualifications=[])
    project_cancel(actor=owner, project=project)
    assert escrow_balance(project=project) == 0
    assert requester_balance(organisation=project.organisation) == submitted["before"]
    _books_balanced()


def test_members_do_not_see_a_project_in_review(submitted, client):
    client.force_login(member(submitted["coop"]).user)
    assert client.get(reverse("tasks:project", args=[submitted["project"].pk])).status_code == 404
    assert submitted["project"].title not in client.get(reverse("tasks:feed")).content.decode()


# --- the pages ----------------------------------------------------------------------------------

def test_the_steward_page_lists_it_with_its_reason_and_approves(submitted, client):
    client.force_login(submitted["steward"])
    body = client.get(reverse("tasks:steward_projects")).content.decode()
    assert submitted["project"].title in body and LEGAL["legal_reason_text"] in body
    assert "a data-residency law" in body and reverse("tasks:steward_projects") in body  # in the stewards' menu
    response = client.post(reverse("tasks:steward_project_decide", args=[submitted["project"].pk]),
                           {"action": "approve"})
    assert response.status_code == 302
    assert Project.objects.get(pk=submitted["project"].pk).status == Project.Status.OPEN
    assert "No project is waiting for review." in client.get(reverse("tasks:steward_projects")).content.decode()


def test_the_steward_page_refuses_with_a_reason_and_keeps_a_bad_one(submitted, client):
    client.force_login(submitted["steward"])
    url = reverse("tasks:steward_project_decide", args=[submitted["project"].pk])
    before = _written()
    bad = client.post(url, {"action": "refuse", "reason": "short"})
    assert bad.status_code == 400 and "Write the reason for the requester" in bad.content.decode()
    assert ">short</textarea>" in bad.content.decode()
    assert _written() == before
    assert client.post(url, {"action": "refuse", "reason": "The cited law does not cover labelling."}).status_code \
        == 302
    client.force_login(submitted["owner"])
    body = client.get(reverse("tasks:requester_project", args=[submitted["project"].pk])).content.decode()
    assert "Refused by the coop&#x27;s stewards" in body or "Refused by the coop's stewards" in body
    assert "The cited law does not cover labelling." in body


def test_the_steward_page_is_for_stewards_of_the_coop_only(submitted, client):
    url = reverse("tasks:steward_project_decide", args=[submitted["project"].pk])
    client.force_login(member(submitted["coop"]).user)
    assert client.get(reverse("tasks:steward_projects")).status_code == 403
    assert client.post(url, {"action": "approve"}).status_code == 403
    other = steward(CoopFactory()).user
    client.force_login(other)
    assert submitted["project"].title not in client.get(reverse("tasks:steward_projects")).content.decode()
    assert client.post(url, {"action": "approve"}).status_code == 404
    assert Project.objects.get(pk=submitted["project"].pk).status == Project.Status.REVIEW


def test_the_requester_sees_the_state_on_the_page_and_in_the_api(submitted, client):
    client.force_login(submitted["owner"])
    body = client.get(reverse("tasks:requester_project", args=[submitted["project"].pk])).content.decode()
    assert "Awaiting the stewards" in body
    api = APIClient()
    api.force_authenticate(submitted["owner"])
    data = api.get(f"/api/projects/{submitted['project'].pk}/").json()
    assert (data["status"], data["review_state"], data["review_reason"]) == ("review", "pending", "")
    project_review_refuse(steward=submitted["steward"], project=submitted["project"],
                          reason="The export licence number is missing.")
    data = api.get(f"/api/projects/{submitted['project'].pk}/").json()
    assert (data["status"], data["review_state"], data["review_reason"]) == (
        "draft", "refused", "The export licence number is missing.")


def test_publishing_through_the_api_puts_it_in_review():
    coop = CoopFactory()
    project, owner = _draft_requiring(coop, COUNTRY_RULE, **LEGAL)
    api = APIClient()
    api.force_authenticate(owner)
    response = api.post(f"/api/projects/{project.pk}/publish/")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["review_state"]) == ("review", "pending")
