"""coop/simulation/api.py: scripting members' requests to the member API, in process, on the
simulation's clock; refusals come back as the script reads them ({code, message, extra} and the
HTTP status), a refused key stops the run."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import MemberApiKey
from accounts.services import member_key_create, member_key_revoke
from coop.core.clock import clock_set
from coop.eventlog.models import Event
from coop.simulation.api import ApiRefusal, Held, MemberApiClient
from tasks.models import Assignment
from tests.factories import CoopFactory, member, open_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def script():
    coop = CoopFactory()
    user = member(coop).user
    _key, secret = member_key_create(user=user, name="my script", scopes=["read", "work"])
    return {"coop": coop, "user": user, "secret": secret, "api": MemberApiClient()}


def test_a_claim_and_a_submission_go_through_http_on_the_simulations_clock(script):
    project = open_project(script["coop"], tasks=2, time_limit_minutes=30)
    at = timezone.now() + timedelta(minutes=5)  # inside the project's life, not the wall clock's instant
    with clock_set(at):
        held = script["api"].claim(secret=script["secret"], project_id=project.pk)
    assert isinstance(held, Held) and held.project_id == project.pk
    assert held.deadline_at == at + timedelta(minutes=30)
    claimed = Assignment.objects.get(pk=held.pk)
    assert (claimed.member_id, claimed.claimed_at) == (script["user"].pk, at)
    assert MemberApiKey.objects.get(user=script["user"]).last_used_at == at
    with clock_set(at + timedelta(minutes=4)):
        done = script["api"].submit(secret=script["secret"], assignment_id=held.pk, answers={"label": "yes"})
    assert isinstance(done, Held) and done.pk == held.pk
    claimed.refresh_from_db()
    assert (claimed.status, claimed.time_spent_seconds) == ("submitted", 240)
    submitted = Event.objects.get(type="assignment.submitted", subject_id=str(held.pk))
    assert submitted.occurred_at == int((at + timedelta(minutes=4)).timestamp() * 1_000_000)
    assert script["api"].statuses == {("claim", 201): 1, ("submit", 200): 1}


def test_refusals_come_back_with_their_code_and_status(script):
    fair = open_project(script["coop"], tasks=10, fair_share_cap=1)
    api, secret = script["api"], script["secret"]
    at = timezone.now() + timedelta(minutes=1)
    with clock_set(at):
        first = api.claim(secret=secret, project_id=fair.pk)
        refused = api.claim(secret=secret, project_id=fair.pk)
    assert isinstance(first, Held)
    assert isinstance(refused, ApiRefusal) and (refused.code, refused.status) == ("fair_share_reached", 409)
    assert refused.extra["cap"] == 1 and Assignment.objects.count() == 1
    with clock_set(at + timedelta(minutes=31)):  # past the time limit
        late = api.submit(secret=secret, assignment_id=first.pk, answers={"label": "yes"})
    assert isinstance(late, ApiRefusal) and (late.code, late.status) == ("assignment_expired", 409)
    with clock_set(at + timedelta(minutes=2)):
        unknown = api.claim(secret=secret, project_id=fair.pk + 999)
    assert (unknown.code, unknown.status) == ("unknown_project", 404)


def test_a_revoked_key_stops_the_run(script):
    project = open_project(script["coop"], tasks=2)
    key = MemberApiKey.objects.get(user=script["user"])
    member_key_revoke(user=script["user"], key_id=key.pk)
    with pytest.raises(RuntimeError, match="authentication_failed"):
        script["api"].claim(secret=script["secret"], project_id=project.pk)
    assert not Assignment.objects.exists()
