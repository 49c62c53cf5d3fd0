"""On PostgreSQL, with real threads and committed transactions: the last jurors voting at the
same moment decide the appeal once and pay the member once."""

import pytest

from ledger.selectors import wallet_balance
from tasks.appeals.models import Appeal, JurySeat
from tasks.appeals.services import appeal_draw, appeal_file, seat_vote
from tasks.services import assignment_approve, assignment_claim, assignment_reject, assignment_submit
from tests.appeals.conftest import EXPLANATION, PARAMS, REWARD, STATEMENT, participate, published_project, seal
from tests.factories import CoopFactory, member
from tests.threads import together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_votes_decide_once_and_pay_once():
    coop = CoopFactory(params=PARAMS)
    people = [participate(member(coop)) for _ in range(8)]
    project = published_project(coop, tasks=4, reward=REWARD, estimated_minutes=10, funds=4 * 13200 + 1000)
    owner = project.organisation.staff.first().user
    subs = []
    for user in people[:2]:
        a = assignment_claim(member=user, project=project)
        subs.append(assignment_submit(member=user, assignment=a, answers={"label": "yes"}))
    assignment_approve(actor=owner, assignment=subs[1])
    assignment_reject(actor=owner, assignment=subs[0], reason="incomplete", explanation=EXPLANATION)
    appeal = appeal_file(member=people[0], assignment=subs[0], statement=STATEMENT)
    for _ in range(50):
        if seal() is not None and appeal_draw(appeal_id=appeal.pk):
            break
    jurors = [seat.juror for seat in JurySeat.objects.filter(appeal=appeal).select_related("juror")]
    before = wallet_balance(user=people[0])

    def vote(juror):
        seat_vote(juror=juror, appeal=appeal.pk, vote="overturn", reason="Nothing was skipped at all.")

    # every juror votes twice at once, from two threads
    outcomes = together([lambda j=j: vote(j) for j in jurors for _ in range(2)])
    errors = [type(o).__name__ for o in outcomes if isinstance(o, Exception)]
    appeal.refresh_from_db()
    assert appeal.status == "overturned" and appeal.overturn_votes == 3
    # the second vote of each juror is refused: already voted, or (after the decision) closed
    assert len(errors) == 3 and set(errors) <= {"AlreadyVoted", "DomainError"}
    assert wallet_balance(user=people[0]) == before + REWARD
    assert Appeal.objects.filter(status="overturned").count() == 1
