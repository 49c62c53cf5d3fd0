"""What adoption changes in the rest of the product: the marketplace's publish check reads the
floor rate in force, and a project published before keeps the version and fees it used."""

import pytest

from coop.core.errors import DomainError
from coop.governance import services
from ledger.services import deposit_record
from tasks.services.publishing import project_create, project_publish, tasks_add
from tests.factories import CoopFactory, deadline_pass, operator, organisation, project_fields, proposal_voting, voter

pytestmark = pytest.mark.django_db


def _draft(coop, org, reward):
    project = project_create(actor=org.owner, organisation=org, coop=coop,
                             **project_fields(reward=reward, estimated_minutes=2))
    tasks_add(actor=org.owner, project=project, rows=[{"image_url": f"https://img.example/{i}.jpg"}
                                                      for i in range(2)])
    return project


def test_after_adopting_a_higher_floor_publishing_under_it_is_refused_and_older_projects_keep_their_terms():
    coop = CoopFactory()
    members = [voter(coop) for _ in range(3)]
    org = organisation()
    deposit_record(operator=operator(), organisation=org, amount=100_000, reference="wire-1")
    # 45 for 2 minutes is 13.50 an hour: above the floor of 12.00, under a floor of 15.00
    before = project_publish(actor=org.owner, project=_draft(coop, org, reward=45))
    fees = (before.fee_coop, before.fee_federation, before.fee_juror)
    assert before.rulebook_version == 1 and before.status == "open"
    later = _draft(coop, org, reward=45)

    proposal = proposal_voting(author=members[0].user,
                               changes=[{"kind": "parameter", "name": "floor_hourly_rate", "value": 1500}])
    for m in members:
        services.ballot_cast(user=m.user, proposal=proposal, choice="yes")
    assert services.proposal_close(proposal=deadline_pass(proposal)).status == "adopted"

    with pytest.raises(DomainError) as info:
        project_publish(actor=org.owner, project=later)
    assert info.value.code == "below_floor_rate" and info.value.extra["floor_hourly_rate"] == 1500
    later.refresh_from_db()
    assert later.status == "draft"
    before.refresh_from_db()
    assert before.rulebook_version == 1 and before.status == "open"
    assert (before.fee_coop, before.fee_federation, before.fee_juror) == fees
    # at the new floor it publishes, under version 2
    fair = project_publish(actor=org.owner, project=_draft(coop, org, reward=50))
    assert fair.rulebook_version == 2
