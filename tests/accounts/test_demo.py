"""accounts/demo.py: the demo requester (Ravina Labs with an owner, a staff member, a pending
invitation, the terms accepted) and its API key, the same secret on every run."""

import pytest

from accounts import demo
from accounts.keys import secret_digest
from accounts.models import ApiKey, Organisation, OrganisationStaff, StaffInvitation
from accounts.selectors import organisation_terms_current
from coop.federation import demo as federation_demo

pytestmark = pytest.mark.django_db


def _seed():
    ctx = {"logins": []}
    federation_demo.seed(ctx)
    demo.seed(ctx)
    return ctx


def test_seed_makes_the_demo_requester_once():
    ctx = _seed()
    org = Organisation.objects.get(slug="ravina-labs")
    assert ctx["organisations"]["ravina"] == org and organisation_terms_current(organisation=org)
    roles = dict(OrganisationStaff.objects.filter(organisation=org).values_list("user__email", "role"))
    assert roles == {demo.OWNER[0]: "owner", demo.STAFF[0]: "staff"}
    assert StaffInvitation.objects.filter(organisation=org, email=demo.PENDING, accepted_at=None).count() == 1
    secret = dict(ctx["logins"])["requester API key (Ravina)"]
    assert ApiKey.objects.get(organisation=org).secret_hash == secret_digest(secret)
    again = _seed()
    assert dict(again["logins"])["requester API key (Ravina)"] == secret
    assert ApiKey.objects.count() == 1 and StaffInvitation.objects.filter(email=demo.PENDING).count() == 1


def test_the_demo_key_follows_the_secret_key(settings):
    first = demo.demo_key_randomness()
    assert len(first) == 32 and demo.demo_key_randomness() == first
    settings.SECRET_KEY = "another installation"
    assert demo.demo_key_randomness() != first
