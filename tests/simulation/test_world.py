"""coop/simulation/world.py: the world a market starts from: an operator, the coops with two
stewards each, admitted members, requesters with accepted terms and a deposit, and the
gold-question requester's funded paid test."""

import pytest
from django.conf import settings

from coop.federation.models import Coop, Membership
from coop.simulation.database import simulation_settings
from coop.simulation.world import DEPOSIT, world_build
from ledger.selectors import requester_balance
from tests.simulation.tiny import WORLD, rng

pytestmark = pytest.mark.django_db(transaction=settings.DATABASE_IS_POSTGRES,
                                   reset_sequences=settings.DATABASE_IS_POSTGRES)


def test_world_build():
    with simulation_settings():
        world = world_build(WORLD, rng(WORLD))
    assert [c.slug for c in world.coops] == ["tana", "lagos"] and Coop.objects.count() == 2
    assert all(len(pair) == 2 for pair in world.stewards.values())
    assert Membership.objects.stewards().count() == 4
    assert Membership.objects.active().filter(role="member").count() == 4
    assert set(world.by_user) == {m.user_id for m in world.members} and all(m.user for m in world.members)
    gold = next(r for r in world.requesters if r.behaviour == "gold_questions")
    assert gold.test is not None and gold.qualification_id == gold.test.qualification_id
    others = [r for r in world.requesters if r.behaviour != "gold_questions"]
    assert {requester_balance(organisation=r.org) for r in others} == {DEPOSIT}
    assert requester_balance(organisation=gold.org) < DEPOSIT  # the test's escrow came out of it
