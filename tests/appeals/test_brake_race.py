"""Rejections racing in one project (PostgreSQL, real threads): the mass-rejection brake's row
is created once, never an IntegrityError on `appeals_projectbrake_project_id_key` (a 500 in the
bank test), and the rejections are counted one after the other, so racing them cannot slip
past the brake's threshold (issue 24)."""

import pytest

from tasks.appeals.models import ProjectBrake
from tasks.models import Assignment
from tasks.services import assignment_claim, assignment_reject, assignment_submit
from tests.appeals.conftest import EXPLANATION, published_project
from tests.factories import CoopFactory, member
from tests.threads import together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _batch(submitted):
    """20 slots (the brake engages past 20 %, from the 5th rejection), `submitted` submitted."""
    coop = CoopFactory()
    project = published_project(coop, tasks=20, reward=1000, estimated_minutes=10)
    owner = project.organisation.staff.first().user
    subs = []
    for _ in range(submitted):
        user = member(coop).user
        subs.append(assignment_submit(member=user, assignment=assignment_claim(member=user, project=project),
                                      answers={"label": "no"}))
    return project, owner, subs


def _reject(owner, assignment):
    return assignment_reject(actor=owner, assignment=assignment.pk, reason="incomplete", explanation=EXPLANATION)


def _race(fns):
    outcomes = together(fns)
    assert [o for o in outcomes if isinstance(o, Exception)] == []
    return outcomes


def test_two_rejections_engaging_the_brake_at_once_create_one_brake():
    for _round in range(3):
        project, owner, subs = _batch(6)
        for a in subs[:4]:
            assert _reject(owner, a).status == "rejected"
        done = _race([lambda a=a, owner=owner: _reject(owner, a) for a in subs[4:6]])
        assert sorted(a.status for a in done) == ["frozen", "frozen"]
        brake = ProjectBrake.objects.get(project=project)
        assert brake.is_engaged and brake.reason == "batch_pct" and brake.figures["rejections"] == 5


def test_rejections_racing_past_the_threshold_are_counted_one_after_the_other():
    for _round in range(3):
        project, owner, subs = _batch(5)
        for a in subs[:3]:
            _reject(owner, a)
        # the 4th is allowed (20 %), the 5th is past it: raced, one of them must still be frozen
        done = _race([lambda a=a, owner=owner: _reject(owner, a) for a in subs[3:5]])
        assert sorted(a.status for a in done) == ["frozen", "rejected"]
        assert ProjectBrake.objects.get(project=project).figures["rejections"] == 5
        assert Assignment.objects.filter(project=project, status="rejected").count() == 4
