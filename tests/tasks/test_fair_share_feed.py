"""The feed's fair-share sentence is true, and each card shows when its fair share ends
(issue 16 point 11)."""

import re

import pytest
from django.core.management import call_command

from accounts.models import User
from coop.federation.models import Coop
from coop.federation.selectors import rulebook_in_force
from tasks.models import Project
from tests.factories import CoopFactory, member, open_project

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_a_24_hour_window_and_every_open_card_shows_its_end(client):
    call_command("seed_demo", "--quiet")
    tana = Coop.objects.get(slug="tana")
    assert rulebook_in_force(coop=tana)["fair_share_window_minutes"] == 1440
    open_fair = Project.objects.filter(coop=tana, status="open", allocation_policy="fair_share")
    assert open_fair.exists()
    client.force_login(User.objects.get(email="member4@tana.example"))
    body = client.get("/work/").content.decode()
    assert "For 24 hours after it opens, each member may take only their share of it." in body
    for project in open_fair:
        card = re.search(rf'id="project-{project.pk}".*?</article>', body, re.S).group(0)
        assert 'class="fair-share"' in card and "until" in card


def test_a_short_window_is_described_as_it_is(client):
    coop = CoopFactory(params={"fair_share_window_minutes": 60})
    project = open_project(coop, fair_share_cap=2, fair_share_minutes=60)
    client.force_login(member(coop).user)
    body = client.get("/work/").content.decode()
    assert "With fair share you lose nothing" not in body
    assert "For 60 minutes after a batch opens, each member may take only their share of it" in body
    card = re.search(rf'id="project-{project.pk}".*?</article>', body, re.S).group(0)
    assert "at most 2 tasks per member until" in card
