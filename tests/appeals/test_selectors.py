"""The appeals' reads (tasks/appeals/selectors.py): who may read an appeal and as what, the
outcome in words for each reader, the draw's candidates, the stewards' queue, and a scorecard
read that never writes."""

import pytest
from django.contrib.auth.models import AnonymousUser

from tasks.appeals import selectors
from tasks.appeals.models import Appeal, JurySeat, Scorecard
from tasks.appeals.services import appeal_file, seat_vote
from tests.appeals.conftest import REASON, REWARD, STATEMENT
from tests.factories import UserFactory, steward

pytestmark = pytest.mark.django_db


def test_appeal_readers_names_each_role_and_no_one_else(drawn):
    appeal = drawn["appeal"]
    assert selectors.appeal_readers(appeal=appeal, user=drawn["worker"]) == "appellant"
    assert selectors.appeal_readers(appeal=appeal, user=drawn["jurors"][0]) == "juror"
    assert selectors.appeal_readers(appeal=appeal, user=drawn["owner"]) == "requester"
    assert selectors.appeal_readers(appeal=appeal, user=steward(drawn["coop"]).user) == "steward"
    assert selectors.appeal_readers(appeal=appeal, user=steward().user) is None  # a steward of another coop
    assert selectors.appeal_readers(appeal=appeal, user=UserFactory()) is None
    assert selectors.appeal_readers(appeal=appeal, user=AnonymousUser()) is None
    JurySeat.objects.filter(appeal=appeal, juror=drawn["jurors"][0]).update(status=JurySeat.Status.DECLINED)
    assert selectors.appeal_readers(appeal=appeal, user=drawn["jurors"][0]) is None


def test_appeal_outcome_while_open(case):
    appeal = appeal_file(member=case["worker"], assignment=case["rejected"], statement=STATEMENT)
    assert selectors.appeal_outcome(appeal=appeal, role="appellant")["headline"] == "Waiting for the jury to be drawn."
    appeal.status = Appeal.Status.JURY
    assert selectors.appeal_outcome(appeal=appeal, role="appellant")["headline"] == (
        "A jury of 3 members is considering the case.")


def test_appeal_outcome_after_an_overturn_speaks_to_each_reader(drawn):
    appeal = drawn["appeal"]
    for juror in drawn["jurors"]:
        seat_vote(juror=juror, appeal=appeal, vote="overturn", reason=REASON)
    appeal.refresh_from_db()
    reward = f"${REWARD // 100}.00"
    appellant = selectors.appeal_outcome(appeal=appeal, role="appellant")
    assert appellant["won"] and appellant["headline"] == f"You won: {reward} paid to your wallet."
    assert appellant["detail"] == "3 of 3 jurors voted for the member."
    assert "the member was paid" in selectors.appeal_outcome(appeal=appeal, role="requester")["headline"]
    seat = JurySeat.objects.get(appeal=appeal, juror=drawn["jurors"][0])
    juror = selectors.appeal_outcome(appeal=appeal, role="juror", seat=seat)
    assert juror["detail"].endswith("You were paid $2.00 for sitting on this jury.")


def test_appeal_candidates_leave_out_the_appellant_the_tasks_workers_and_the_requester(case):
    appeal = appeal_file(member=case["worker"], assignment=case["rejected"], statement=STATEMENT)
    candidates, preferred = selectors.appeal_candidates(appeal)
    expected = sorted(user.pk for user in case["members"] if user.pk != case["worker"].pk)
    assert (candidates, preferred) == (expected, False)
    assert candidates == sorted(candidates)


def test_the_lists_of_a_member_and_of_a_steward(drawn):
    appeal, coop = drawn["appeal"], drawn["coop"]
    assert list(selectors.appeals_of(user=drawn["worker"])) == [appeal]
    assert list(selectors.rejections_appealable(user=drawn["worker"])) == []  # appealed: no longer appealable
    assert [seat.appeal_id for seat in selectors.seats_of(user=drawn["jurors"][1])] == [appeal.pk]
    assert list(selectors.appeals_of_organisation(organisation=drawn["project"].organisation)) == [appeal]
    queue = selectors.steward_queue(coop=coop)
    assert list(queue["open_appeals"]) == [appeal]
    assert list(queue["frozen"]) == list(queue["brakes"]) == list(queue["reviews"]) == []
    assert {u.pk for u in selectors.organisation_staff_users(drawn["project"].organisation_id)} == {
        drawn["owner"].pk}
    assert selectors.appeal_checkpoint(appeal).size >= 1


def test_scorecard_for_computes_without_storing(case):
    card = selectors.scorecard_for(organisation=case["project"].organisation)
    assert card.pk is None and card.figures["reviewed"] == 2
    assert not Scorecard.objects.exists()
