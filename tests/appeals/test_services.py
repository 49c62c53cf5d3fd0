from datetime import timedelta

import pytest
from django.utils import timezone

from coop.core.errors import DomainError, Forbidden, NotFound
from coop.eventlog.models import Event
from ledger.selectors import escrow_balance, requester_balance, wallet_balance
from tasks import jobs as task_jobs
from tasks.appeals import draw
from tasks.appeals.errors import AlreadyAppealed, AlreadyVoted, AppealWindowClosed, NotAJuror, StatementRequired
from tasks.appeals.models import Appeal, JurySeat
from tasks.appeals.selectors import appeal_candidates
from tasks.appeals.services import (
    appeal_answer,
    appeal_draw,
    appeal_file,
    seat_accept,
    seat_decline,
    seat_vote,
    seats_lapse_and_replace,
)
from tasks.models import Assignment
from tests.appeals.conftest import REWARD, STATEMENT, seal

pytestmark = pytest.mark.django_db

REASON = "The image really is blank below the total."


def drawn(case):
    appeal = appeal_file(member=case["worker"], assignment=case["rejected"], statement=STATEMENT)
    seal()
    assert appeal_draw(appeal_id=appeal.pk)
    appeal.refresh_from_db()
    return appeal


def jurors(appeal):
    return [seat.juror for seat in appeal.seats.filter(status__in=JurySeat.LIVE).select_related("juror")]


def test_appeal_file_holds_the_money_and_stops_the_finalising_job(case):
    escrow_before = escrow_balance(project=case["project"])
    appeal = appeal_file(member=case["worker"], assignment=case["rejected"], statement=STATEMENT)
    assignment = Assignment.objects.get(pk=case["rejected"].pk)
    assert assignment.status == "appealed" and appeal.status == "awaiting_draw"
    assert appeal.jury_size == 3 and appeal.juror_pay == 200
    # the window passes: the job finalises unappealed rejections only
    later = assignment.appeal_deadline + timedelta(days=1)
    assert task_jobs.finalise_rejections_due(now=later) == 0
    assert Assignment.objects.get(pk=assignment.pk).status == "appealed"
    assert escrow_balance(project=case["project"]) == escrow_before
    assert Event.objects.get(type="appeal.filed").payload_json["organisation"] == case["project"].organisation_id


def test_appeal_file_bad_inputs_change_nothing(case):
    rejected, worker = case["rejected"], case["worker"]
    with pytest.raises(StatementRequired):
        appeal_file(member=worker, assignment=rejected, statement="unfair")
    with pytest.raises(NotFound):  # someone else's rejection
        appeal_file(member=case["members"][2], assignment=rejected, statement=STATEMENT)
    with pytest.raises(AppealWindowClosed):
        appeal_file(member=worker, assignment=rejected, statement=STATEMENT,
                    now=rejected.appeal_deadline + timedelta(seconds=1))
    with pytest.raises(DomainError):  # approved work cannot be appealed
        appeal_file(member=case["members"][1], assignment=case["approved"], statement=STATEMENT)
    assert not Appeal.objects.exists()
    assert Assignment.objects.get(pk=rejected.pk).status == "rejected"
    appeal_file(member=worker, assignment=rejected, statement=STATEMENT)
    with pytest.raises(AlreadyAppealed):
        appeal_file(member=worker, assignment=rejected, statement=STATEMENT)
    assert Appeal.objects.count() == 1


def test_appeal_after_the_window_finalised_is_refused(case):
    rejected = case["rejected"]
    task_jobs.finalise_rejections_due(now=rejected.appeal_deadline + timedelta(seconds=1))
    with pytest.raises(AppealWindowClosed):
        appeal_file(member=case["worker"], assignment=rejected, statement=STATEMENT)


def test_draw_waits_for_a_signed_checkpoint_then_is_reproducible(case):
    appeal = appeal_file(member=case["worker"], assignment=case["rejected"], statement=STATEMENT)
    assert appeal_draw(appeal_id=appeal.pk) is False  # the appeal's event is in no checkpoint yet
    checkpoint = seal()
    assert appeal_draw(appeal_id=appeal.pk) is True
    assert appeal_draw(appeal_id=appeal.pk) is False  # drawn once
    appeal.refresh_from_db()
    assert appeal.status == "jury" and appeal.checkpoint_size == checkpoint.size
    # anyone can re-run it from the appeal id, the checkpoint root and the candidate list
    seed = draw.draw_seed(appeal_id=appeal.pk, root=bytes(checkpoint.root))
    assert seed.hex() == appeal.seed
    assert draw.draw_order(seed=seed, candidates=appeal.candidates) == appeal.draw_order
    assert [s.juror_id for s in appeal.seats.order_by("draw_index")] == appeal.draw_order[:3]


def test_draw_excludes_the_appellant_and_whoever_worked_on_the_task(case):
    appeal = appeal_file(member=case["worker"], assignment=case["rejected"], statement=STATEMENT)
    candidates, preferred = appeal_candidates(appeal)
    assert case["worker"].pk not in candidates
    assert not preferred
    # another member on the same task (a second assignment of the task) is excluded too
    task_worker = case["members"][5]
    Assignment.objects.create(slot=case["rejected"].slot, task=case["rejected"].task, project=case["project"],
                              member=task_worker, status="returned", deadline_at=timezone.now())
    candidates, _ = appeal_candidates(appeal)
    assert task_worker.pk not in candidates and len(candidates) == 6


def test_draw_order_is_a_permutation_and_depends_on_the_seed():
    candidates = list(range(1, 30))
    a = draw.draw_order(seed=draw.draw_seed(appeal_id=1, root=b"\x00" * 32), candidates=candidates)
    b = draw.draw_order(seed=draw.draw_seed(appeal_id=2, root=b"\x00" * 32), candidates=candidates)
    assert sorted(a) == candidates and sorted(b) == candidates and a != b


def test_overturn_pays_the_member_once_and_pays_the_jurors(case):
    appeal = drawn(case)
    worker = case["worker"]
    before = wallet_balance(user=worker)
    panel = jurors(appeal)
    juror_before = {j.pk: wallet_balance(user=j) for j in panel}
    seat_accept(juror=panel[0], appeal=appeal)
    seat_vote(juror=panel[0], appeal=appeal, vote="overturn", reason=REASON)
    seat_vote(juror=panel[1], appeal=appeal, vote="uphold", reason="The instructions asked for every line.")
    with pytest.raises(AlreadyVoted):
        seat_vote(juror=panel[0], appeal=appeal, vote="uphold", reason=REASON)
    seat_vote(juror=panel[2], appeal=appeal, vote="overturn", reason=REASON)
    appeal.refresh_from_db()
    assert appeal.status == "overturned" and (appeal.overturn_votes, appeal.uphold_votes) == (2, 1)
    assert Assignment.objects.get(pk=case["rejected"].pk).status == "overturned"
    assert wallet_balance(user=worker) == before + REWARD
    for j in panel:
        assert wallet_balance(user=j) == juror_before[j.pk] + 200
    # decided: nobody can vote again, and the jobs pay nothing twice
    from tasks.appeals.jobs import appeals_due

    assert appeals_due()["paid"] == 0
    assert wallet_balance(user=worker) == before + REWARD
    with pytest.raises(DomainError):
        seat_vote(juror=panel[0], appeal=appeal, vote="uphold", reason=REASON)


def test_uphold_refunds_the_requester_and_counts_against_the_member(case):
    appeal = drawn(case)
    organisation = case["project"].organisation
    balance = requester_balance(organisation=organisation)
    for juror in jurors(appeal):
        seat_vote(juror=juror, appeal=appeal, vote="uphold", reason="The instructions asked for every line.")
    appeal.refresh_from_db()
    assert appeal.status == "upheld"
    assert Assignment.objects.get(pk=case["rejected"].pk).status == "upheld"
    cost = case["project"].reward + Assignment.objects.get(pk=case["rejected"].pk).slot.fee
    assert requester_balance(organisation=organisation) == balance + cost


def test_a_tie_overturns(case):
    appeal = drawn(case)
    panel = jurors(appeal)
    Appeal.objects.filter(pk=appeal.pk).update(jury_size=2)  # an even panel, as after a rule change
    seat_decline(juror=panel[2], appeal=appeal)
    appeal.refresh_from_db()
    seat_vote(juror=panel[0], appeal=appeal, vote="uphold", reason=REASON)
    seat_vote(juror=panel[1], appeal=appeal, vote="overturn", reason=REASON)
    appeal.refresh_from_db()
    assert appeal.status == "overturned" and (appeal.uphold_votes, appeal.overturn_votes) == (1, 1)


def test_a_decliner_is_replaced_by_the_next_in_the_draw_order(case):
    appeal = drawn(case)
    first = appeal.seats.get(draw_index=0).juror
    seat_decline(juror=first, appeal=appeal)
    seats = list(appeal.seats.order_by("draw_index"))
    assert [s.juror_id for s in seats] == appeal.draw_order[:4]
    assert seats[0].status == "declined" and seats[3].status == "invited"
    with pytest.raises(NotAJuror):
        seat_vote(juror=first, appeal=appeal, vote="uphold", reason=REASON)


def test_jurors_who_do_not_answer_lapse_and_are_replaced(case):
    appeal = drawn(case)
    seat_accept(juror=appeal.seats.get(draw_index=0).juror, appeal=appeal)
    later = timezone.now() + timedelta(hours=appeal.response_hours, minutes=1)
    assert seats_lapse_and_replace(appeal_id=appeal.pk, now=later) == 2
    assert seats_lapse_and_replace(appeal_id=appeal.pk, now=later) == 0
    statuses = list(appeal.seats.order_by("draw_index").values_list("status", flat=True))
    assert statuses == ["accepted", "lapsed", "lapsed", "invited", "invited"]


def test_only_jurors_vote(case):
    appeal = drawn(case)
    outsider = next(m for m in case["members"] if m.pk not in appeal.draw_order[:3] and m != case["worker"])
    with pytest.raises(NotAJuror):
        seat_vote(juror=outsider, appeal=appeal, vote="overturn", reason=REASON)
    with pytest.raises(NotAJuror):
        seat_vote(juror=case["worker"], appeal=appeal, vote="overturn", reason=REASON)
    with pytest.raises(DomainError):
        seat_vote(juror=jurors(appeal)[0], appeal=appeal, vote="maybe", reason=REASON)
    assert not JurySeat.objects.filter(status="voted").exists()


def test_requester_answers_once_before_the_vote(case):
    appeal = drawn(case)
    owner = case["owner"]
    with pytest.raises(Forbidden):
        appeal_answer(actor=case["members"][3], appeal=appeal, text="I am not the requester of this project.")
    appeal_answer(actor=owner, appeal=appeal, text="The instructions ask for every line, including the blank ones.")
    with pytest.raises(DomainError):
        appeal_answer(actor=owner, appeal=appeal, text="And another thing I forgot to mention earlier.")
    assert Appeal.objects.get(pk=appeal.pk).requester_answer.startswith("The instructions")


def test_vote_events_never_carry_the_vote(case):
    appeal = drawn(case)
    for juror in jurors(appeal):
        seat_vote(juror=juror, appeal=appeal, vote="overturn", reason=REASON)
    for event in Event.objects.filter(type="appeal.juror_voted"):
        assert set(event.payload_json) == {"appeal", "seat", "actor"}
