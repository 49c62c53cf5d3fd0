"""Reconciliation (issue 24): escrows are told apart by owner kind and id, paid tests' escrows
are checked like projects', an open slot left in a cancelled project is flagged, and the demo
federation reconciles cleanly."""

import pytest
from django.core.management import call_command

from ledger.models import Account, Balance
from ledger.services import reconciliation_run
from tasks.models import Project, Slot
from tasks.qualifications.models import QualificationTest
from tasks.qualifications.services import attempt_start, attempt_submit, qualification_test_fund
from tasks.services import project_cancel
from tests.factories import RIGHT, CoopFactory, member, paid_test, published_project

pytestmark = pytest.mark.django_db


def _test_sharing_id_with(project, coop):
    """A paid test whose id is the project's (ids come from two sequences, so this happens in
    any real database); moved before any money or attempt refers to it."""
    test = paid_test(coop, attempts=0)
    QualificationTest.objects.filter(pk=test.pk).update(id=project.pk)
    moved = QualificationTest.objects.get(pk=project.pk)
    moved.owner = test.qualification.organisation.owner
    return moved


def test_a_project_and_a_test_with_the_same_id_have_two_escrows_and_both_reconcile():
    coop = CoopFactory()
    project = published_project(coop, tasks=3)
    test = _test_sharing_id_with(project, coop)
    test = qualification_test_fund(actor=test.owner, test=test, attempts=4)
    worker = member(coop).user
    paid = attempt_submit(member=worker, attempt=attempt_start(member=worker, test=test), answers=RIGHT)

    escrows = dict(Balance.objects.filter(account__kind=Account.Kind.ESCROW, account__owner_id=project.pk)
                   .values_list("account__owner_kind", "amount"))
    assert escrows == {"tasks.project": 3 * project.reward + project.fee,  # fees split over the batch
                       "qualifications.qualificationtest": test.funded_amount - paid.reward - paid.fee_coop
                       - paid.fee_federation - paid.fee_juror}
    report = reconciliation_run()
    assert report.findings == [] and report.ok and report.escrow_checked


def test_a_mismatch_in_a_test_escrow_is_not_hidden_by_the_project_with_its_id():
    coop = CoopFactory()
    project = published_project(coop, tasks=2)
    test = _test_sharing_id_with(project, coop)
    test = qualification_test_fund(actor=test.owner, test=test, attempts=2)
    QualificationTest.objects.filter(pk=test.pk).update(attempts_funded=5)  # the books now owe 3 more

    report = reconciliation_run()
    assert not report.ok
    assert report.findings == [{"check": "escrow_vs_obligations", "owner_kind": "qualifications.qualificationtest",
                                "owner": test.pk, "escrow": 2 * test.reward + test.fee,
                                "owed": 5 * test.reward + test.fee}]


def test_an_open_slot_in_a_cancelled_project_is_flagged():
    project = published_project(tasks=3)
    project_cancel(actor=project.organisation.owner, project=project)
    assert reconciliation_run().ok
    # what the race of issue 24 left behind: a slot reopened after the cancel refunded the others
    slot = Slot.objects.filter(project=project).first()
    Slot.objects.filter(pk=slot.pk).update(status=Slot.Status.OPEN)
    assert Project.objects.get(pk=project.pk).status == Project.Status.CANCELLED

    report = reconciliation_run()
    assert not report.ok
    assert {"check": "open_slot_in_cancelled_project", "project": project.pk, "slots": 1} in report.findings


def test_the_demo_federation_reconciles():
    call_command("seed_demo", "--quiet")
    assert QualificationTest.objects.exists() and Project.objects.exists()
    report = reconciliation_run()
    assert report.findings == []
    assert report.ok and report.escrow_checked
