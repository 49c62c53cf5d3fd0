"""accounts/requesters/sandbox.py: opening an organisation's sandbox makes a twin organisation,
a sandbox coop and the person's persona (an active steward, staff of the twin) once, records
it once, refuses outsiders and the sandbox itself; `persona_owner` checks the session's id."""

import pytest

from accounts.models import OrganisationStaff, User
from accounts.requesters.sandbox import persona_owner, sandbox_open
from coop.core.errors import Forbidden
from coop.eventlog.models import Event
from coop.federation.models import Membership
from tests.factories import FederationFactory, OrganisationStaffFactory, UserFactory, organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    FederationFactory()
    return organisation(name="Lab Tana")


def test_sandbox_open_makes_the_world_once(org):
    first = sandbox_open(actor=org.owner, organisation=org)
    assert first.organisation.sandbox_of == org and first.coop.sandbox_of == org
    assert first.persona.sandbox_of == org.owner and not first.persona.has_usable_password()
    membership = Membership.objects.get(user=first.persona)
    assert membership.coop == first.coop and membership.is_steward
    assert OrganisationStaff.objects.get(organisation=first.organisation, user=first.persona).role == "owner"
    again = sandbox_open(actor=org.owner, organisation=org)
    assert again == first
    assert Event.objects.filter(type="sandbox.opened").count() == 1


def test_each_staff_member_gets_a_persona_with_their_role(org):
    colleague = OrganisationStaffFactory(organisation=org, role=OrganisationStaff.Role.STAFF).user
    mine, theirs = sandbox_open(actor=org.owner, organisation=org), sandbox_open(actor=colleague, organisation=org)
    assert mine.coop == theirs.coop and mine.persona != theirs.persona
    assert OrganisationStaff.objects.get(organisation=theirs.organisation, user=theirs.persona).role == "staff"


def test_outsiders_and_the_sandbox_itself_are_refused(org):
    with pytest.raises(Forbidden):
        sandbox_open(actor=UserFactory(), organisation=org)
    sandbox = sandbox_open(actor=org.owner, organisation=org)
    with pytest.raises(Forbidden) as caught:
        sandbox_open(actor=sandbox.persona, organisation=org)
    assert caught.value.code == "in_sandbox"
    with pytest.raises(Forbidden):
        sandbox_open(actor=org.owner, organisation=sandbox.organisation)
    assert User.objects.filter(sandbox_of=org.owner).count() == 1


def test_persona_owner_checks_the_sessions_id(org):
    persona = sandbox_open(actor=org.owner, organisation=org).persona
    assert persona_owner(persona=persona, user_id=org.owner.pk) == org.owner
    assert persona_owner(persona=persona, user_id=UserFactory().pk) is None
    assert persona_owner(persona=org.owner, user_id=org.owner.pk) is None  # not a persona
    User.objects.filter(pk=org.owner.pk).update(is_active=False)
    assert persona_owner(persona=persona, user_id=org.owner.pk) is None
