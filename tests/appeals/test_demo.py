"""The appeals' demo (tasks/appeals/demo.py): a rejected transcription appealed, its jury drawn
once the event log sealed it, the scorecards refreshed; a second run changes nothing."""

import pytest

from tasks.appeals import demo
from tasks.appeals.models import Appeal, Scorecard
from tasks.models import Assignment
from tests.appeals.conftest import participate, seal
from tests.factories import CoopFactory, UserFactory, member, operator, organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx():
    coop = CoopFactory(slug="tana")
    for email in ("member@tana.example", "member2@tana.example"):
        member(coop, user=UserFactory(email=email))
    for _ in range(4):
        participate(member(coop))
    return {"organisations": {"ravina": organisation(name="Ravina Labs")}, "coops": {"tana": coop},
            "operator": operator(), "logins": []}


def test_seed_files_an_appeal_then_finish_draws_its_jury(ctx):
    demo.seed(ctx)
    appeal = Appeal.objects.get()
    assert appeal.status == Appeal.Status.AWAITING_DRAW and appeal.appellant.email == "member@tana.example"
    assert Assignment.objects.get(pk=appeal.assignment_id).status == Assignment.Status.APPEALED
    assert Assignment.objects.filter(status=Assignment.Status.APPROVED).count() == 1
    seal()
    demo.finish(ctx)
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.JURY and appeal.seats.count() == appeal.jury_size
    first = appeal.seats.order_by("draw_index").first().juror
    assert ctx["logins"] == [("juror on the demo appeal", first.email)]
    assert Scorecard.objects.filter(organisation=ctx["organisations"]["ravina"]).exists()


def test_seed_twice_files_one_appeal(ctx):
    demo.seed(ctx)
    demo.seed(ctx)
    assert Appeal.objects.count() == 1


def test_seed_without_the_demo_coop_does_nothing(ctx):
    demo.seed({**ctx, "coops": {}})
    assert not Appeal.objects.exists()
