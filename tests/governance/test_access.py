"""Leak 4 (issue 15): governance is for the coop's active members. Applicants, declined
applicants, suspended members and people who left read no proposal, named vote or tally;
the rulebook in force stays public."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from coop.federation.models import Membership
from coop.governance import services
from tests.factories import CoopFactory, UserFactory, member, organisation, proposal_voting, steward, voter

pytestmark = pytest.mark.django_db

FLOOR_UP = [{"kind": "parameter", "name": "floor_hourly_rate", "value": 1500}]
OUTSIDE = [Membership.Status.APPLICANT, Membership.Status.DECLINED, Membership.Status.SUSPENDED,
           Membership.Status.LEFT]


@pytest.fixture
def governance():
    coop = CoopFactory()
    author = voter(coop)
    proposal = proposal_voting(author=author.user, changes=FLOOR_UP, title="Coop-only floor rate")
    services.ballot_cast(user=author.user, proposal=proposal, choice="yes")
    return coop, author, proposal


def _page(user, url):
    client = Client()
    client.force_login(user)
    return client.get(url)


def _api(user, url):
    client = APIClient()
    client.force_authenticate(user)
    return client.get(url)


@pytest.mark.parametrize("status", OUTSIDE)
def test_people_outside_the_active_membership_read_no_proposal(governance, status):
    coop, author, proposal = governance
    outsider = member(coop=coop, status=status)
    detail = _page(outsider.user, f"/proposals/{proposal.pk}/")
    assert detail.status_code == 404
    listing = _page(outsider.user, "/proposals/").content.decode()
    assert "Coop-only floor rate" not in listing
    assert _api(outsider.user, f"/api/governance/proposals/{proposal.pk}/").status_code == 404
    body = _api(outsider.user, "/api/governance/proposals/").json()
    assert [p["title"] for p in body.get("results", body)] == []
    # the named votes and the tally are on those pages only; the rulebook stays public
    assert _page(outsider.user, f"/coops/{coop.slug}/rulebook/").status_code == 200


def test_requester_staff_and_users_without_a_coop_read_no_proposal(governance):
    coop, _, proposal = governance
    wide = proposal_voting(author=steward(coop=coop).user, federation=True, changes=FLOOR_UP,
                           title="Federation-wide floor")
    applicant = member(coop=coop, status=Membership.Status.APPLICANT)
    for user in (organisation().owner, UserFactory(), applicant.user):
        for shown in (proposal, wide):
            assert _page(user, f"/proposals/{shown.pk}/").status_code == 404
            assert _api(user, f"/api/governance/proposals/{shown.pk}/").status_code == 404
    # every coop's active members read the federation-wide proposal
    assert _page(member().user, f"/proposals/{wide.pk}/").status_code == 200


def test_active_members_read_their_coops_proposals(governance):
    coop, author, proposal = governance
    mate = member(coop=coop)
    assert _page(mate.user, f"/proposals/{proposal.pk}/").status_code == 200
    assert _api(mate.user, f"/api/governance/proposals/{proposal.pk}/").json()["proposal"]["title"] == \
        "Coop-only floor rate"
    assert _page(member().user, f"/proposals/{proposal.pk}/").status_code == 404  # another coop's member
