"""The qualifications' models (tasks/qualifications/models.py): a paid test's budget and fees,
read by the ledger as a "project"; a grant active until revoked; and the constraints that keep
one active grant per member, one attempt in progress and a budget never overspent."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tasks.qualifications.models import Attempt, Qualification, QualificationGrant, QualificationTest
from tasks.qualifications.services import attempt_start, qualification_grant
from tests.factories import CoopFactory, granted_qualification, member, paid_test, steward


def test_a_tests_budget_and_fees():
    test = QualificationTest(reward=300, attempts_funded=4, attempts_reserved=1, fee_coop=40, fee_federation=10,
                             fee_juror=10)
    assert (test.fee, test.funded_amount, test.attempts_left, test.is_open) == (60, 4 * 300 + 60, 3, True)
    test.attempts_reserved = 4
    assert (test.attempts_left, test.is_open) == (0, False)


def test_ownership_and_an_active_grant():
    assert Qualification(organisation_id=None).owned_by_coop
    assert not Qualification(organisation_id=3).owned_by_coop
    assert QualificationGrant().is_active
    assert not QualificationGrant(revoked_at=timezone.now()).is_active


@pytest.mark.django_db
def test_a_test_reads_its_coop_and_organisation_through_its_qualification():
    coop = CoopFactory()
    test = paid_test(coop, attempts=0)
    assert (test.coop_id, test.organisation_id) == (coop.pk, test.qualification.organisation_id)
    assert str(test) == "test for Malagasy transcriber"


@pytest.mark.django_db
def test_the_database_keeps_one_active_grant_and_one_attempt_in_progress():
    coop = CoopFactory()
    qualification = granted_qualification(coop)
    worker = member(coop).user
    grant = qualification_grant(actor=steward(coop).user, qualification=qualification, member=worker,
                                reason="Vouched for by two mentors.")
    with pytest.raises(IntegrityError), transaction.atomic():
        QualificationGrant.objects.create(qualification=qualification, member=worker, version=grant.version,
                                          source="hand")
    test = paid_test(coop, attempts=2)
    attempt = attempt_start(member=worker, test=test)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.create(test=test, member=worker, number=attempt.number + 1, deadline_at=attempt.deadline_at,
                               rulebook_version=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        QualificationTest.objects.filter(pk=test.pk).update(attempts_reserved=3)
