"""coop/governance/templatetags/governance.py: `{% adopted_by version %}` names the proposal
that adopted a rulebook version, with its tally."""

import pytest
from django.urls import reverse

from coop.federation.models import RulebookVersion
from coop.governance import services
from coop.governance.templatetags.governance import adopted_by
from tests.factories import CoopFactory, voter

pytestmark = pytest.mark.django_db


def test_adopted_by_links_the_proposal_with_its_tally():
    coop = CoopFactory()
    author = voter(coop)
    proposal = services.proposal_create(author=author.user, title="Fair <pay>", changes=[
        {"kind": "parameter", "name": "floor_hourly_rate", "value": 1500}])
    proposal.yes_count, proposal.no_count, proposal.abstain_count = 3, 1, 0
    proposal.save()
    version = RulebookVersion(coop=coop, number=2, parameters={}, adopted_by_proposal_id=proposal.pk)
    html = adopted_by(version)
    assert f'href="{reverse("governance:proposal", args=[proposal.pk])}"' in html
    assert "Fair &lt;pay&gt;" in html and "yes 3, no 1, abstain 0" in html


def test_adopted_by_is_empty_for_a_version_without_a_proposal():
    assert adopted_by(RulebookVersion(number=1, parameters={})) == ""
    assert adopted_by(RulebookVersion(number=2, parameters={}, adopted_by_proposal_id=999999)) == ""
