"""The demo qualifications (tasks/qualifications/demo.py): the coop's published senior standing,
a trusted reviewer granted by hand, and the requester's funded paid test; a second run leaves
what exists alone."""

import pytest

from ledger.services import deposit_record
from tasks.qualifications import demo
from tasks.qualifications.models import Qualification, QualificationGrant, QualificationTest
from tests.factories import CoopFactory, UserFactory, member, operator, organisation, steward

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx():
    coop = CoopFactory(slug="tana")
    steward(coop, user=UserFactory(email="steward@tana.example"))
    member(coop, user=UserFactory(email="member2@tana.example"))
    org = organisation(name="Ravina Labs", slug="ravina-labs")
    deposit_record(operator=operator(), organisation=org, amount=100_000, reference="wire-1")
    return {"coops": {"tana": coop}, "organisations": {"ravina": org}}


def test_seed_makes_the_demo_qualifications(ctx):
    demo.seed(ctx)
    coop = ctx["coops"]["tana"]
    senior = Qualification.objects.get(coop=coop, name="Senior member")
    assert senior.kind == "computed"
    assert {"metric": "tenure_days", "op": ">=", "value": 180} in senior.current_version.rule["all"]
    reviewer = Qualification.objects.get(coop=coop, name="Trusted reviewer")
    assert QualificationGrant.objects.get(qualification=reviewer).member.email == "member2@tana.example"
    test = QualificationTest.objects.get(qualification__organisation=ctx["organisations"]["ravina"])
    assert (test.attempts_funded, test.reward, test.pass_mark) == (20, 300, 75)
    # issue 23: a country-restricted project awaiting the stewards' review
    from tasks.models import Project

    survey = Project.objects.get(title=demo.SURVEY_TITLE)
    assert (survey.status, survey.legal_reason, survey.escrow_held > 0) == ("review", "data_residency", True)


def test_seed_twice_leaves_what_exists_alone(ctx):
    demo.seed(ctx)
    demo.seed({})  # found by slug and email this time
    assert Qualification.objects.count() == 4
    assert QualificationGrant.objects.count() == 1
    assert QualificationTest.objects.get().fundings == 1


def test_seed_without_the_demo_steward_does_nothing():
    CoopFactory(slug="tana")
    demo.seed({})
    assert not Qualification.objects.exists()
