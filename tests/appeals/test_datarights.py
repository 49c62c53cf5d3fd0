"""Appeals and a member's erasure (issue 15): a juror is paid when the jury decides, so a juror
who has voted on an undecided appeal cannot erase their data yet; after the decision they can."""

import pytest

from accounts.services import member_erase
from coop.core.errors import DomainError
from tasks.appeals.models import Appeal
from tasks.appeals.services import seat_vote
from tests.appeals.test_services import REASON, drawn, jurors
from tests.factories.federation import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_juror_who_voted_waits_for_the_decision_and_pay(case):
    appeal = drawn(case)
    first, *others = jurors(appeal)
    seat_vote(juror=first, appeal=appeal, vote="overturn", reason=REASON)
    with pytest.raises(DomainError) as refused:
        member_erase(user=first, password=PASSWORD, donate=True)
    assert [r["code"] for r in refused.value.extra["reasons"]] == ["jury_seat_open"]
    for juror in others:
        seat_vote(juror=juror, appeal=appeal, vote="overturn", reason=REASON)
    assert Appeal.objects.get(pk=appeal.pk).status == "overturned"
    erased = member_erase(user=first, password=PASSWORD, donate=True)
    assert not erased.is_active
