import pytest
from django.urls import reverse

from coop.governance import services
from coop.governance.models import Ballot, Proposal
from tests.factories import CoopFactory, deadline_pass, proposal_voting, steward, voter

pytestmark = pytest.mark.django_db

FLOOR_UP = [{"kind": "parameter", "name": "floor_hourly_rate", "value": 1500}]


def test_proposals_page_lists_by_stage_with_a_fixed_number_of_queries(client, django_assert_num_queries):
    coop = CoopFactory()
    a = voter(coop)
    for i in range(3):
        proposal_voting(author=a.user, changes=FLOOR_UP, title=f"Voting proposal {i}")
    services.proposal_create(author=a.user, title="My own draft", changes=FLOOR_UP)
    client.force_login(a.user)
    with django_assert_num_queries(6):  # session, user with profile, membership (layout), membership, proposals, button
        response = client.get(reverse("governance:proposals"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-status="voting"') == 3 and "My own draft" in html


def test_propose_form_creates_a_proposal_and_opens_the_discussion(client):
    coop = CoopFactory()
    a = voter(coop)
    client.force_login(a.user)
    page = client.get(reverse("governance:proposal_new"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="p_floor_hourly_rate"' in html and 'name="p_federation_share_bps"' not in html  # only valid ones
    response = client.post(reverse("governance:proposal_new"), {
        "title": "Raise the floor rate", "body": "Fair pay", "p_floor_hourly_rate": "15.00", "submit": "discussion"})
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response.url == reverse("governance:proposal", args=[proposal.pk])
    assert proposal.status == "discussion" and proposal.changes.get().proposed == 1500


def test_propose_form_shows_the_error_and_keeps_the_input(client):
    a = voter(CoopFactory())
    client.force_login(a.user)
    response = client.post(reverse("governance:proposal_new"), {
        "title": "Lower the floor rate", "p_floor_hourly_rate": "9.00",
        "submit": "draft"})
    html = response.content.decode()
    assert response.status_code == 200 and "minimum" in html and 'value="Lower the floor rate"' in html
    assert not Proposal.objects.exists()


def test_proposal_page_shows_the_diff_the_live_tally_and_records_a_vote(client):
    coop = CoopFactory()
    a, b = voter(coop), voter(coop)
    proposal = proposal_voting(author=a.user, changes=FLOOR_UP)
    services.ballot_cast(user=a.user, proposal=proposal, choice="yes")
    client.force_login(b.user)
    html = client.get(reverse("governance:proposal", args=[proposal.pk])).content.decode()
    assert "$12.00" in html and "$15.00" in html and 'id="tally"' in html and 'id="my-vote"' in html
    response = client.post(reverse("governance:proposal_vote", args=[proposal.pk]), {"choice": "no"})
    assert response.status_code == 302
    assert Ballot.objects.get(voter=b.user).choice == "no"


def test_rulebook_page_shows_the_proposal_that_adopted_a_version(client):
    coop = CoopFactory()
    a = voter(coop)
    proposal = proposal_voting(author=a.user, changes=FLOOR_UP, title="Raise the floor rate")
    services.ballot_cast(user=a.user, proposal=proposal, choice="yes")
    services.proposal_close(proposal=deadline_pass(proposal))
    client.force_login(a.user)
    html = client.get(reverse("federation:rulebook", args=[coop.slug])).content.decode()
    assert f"#{proposal.pk} Raise the floor rate" in html and "yes 1, no 0, abstain 0" in html


def test_federation_choice_offered_to_stewards_only(client):
    coop = CoopFactory()
    s, a = steward(coop), voter(coop)
    client.force_login(a.user)
    assert 'name="federation"' not in client.get(reverse("governance:proposal_new")).content.decode()
    client.force_login(s.user)
    assert 'name="federation"' in client.get(reverse("governance:proposal_new")).content.decode()


def test_author_opens_the_discussion_and_withdraws_from_the_page(client):
    coop = CoopFactory()
    a, b = voter(coop), voter(coop)
    proposal = services.proposal_create(author=a.user, title="Raise the floor rate", changes=FLOOR_UP)
    client.force_login(b.user)
    client.post(reverse("governance:proposal_submit", args=[proposal.pk]))  # not the author: refused
    proposal.refresh_from_db()
    assert proposal.status == "draft"
    client.force_login(a.user)
    client.post(reverse("governance:proposal_submit", args=[proposal.pk]))
    proposal.refresh_from_db()
    assert proposal.status == "discussion"
    html = client.get(reverse("governance:proposal", args=[proposal.pk])).content.decode()
    assert reverse("forums:subject_room", args=["governance.proposal", proposal.pk]) in html  # discussion link
    client.post(reverse("governance:proposal_withdraw", args=[proposal.pk]))
    proposal.refresh_from_db()
    assert proposal.status == "withdrawn"


def test_secret_ballot_page_hides_the_tally_and_shows_who_voted_after_close(client):
    coop = CoopFactory()
    a, b = voter(coop), voter(coop)
    proposal = proposal_voting(author=a.user, changes=FLOOR_UP, secret=True)
    services.ballot_cast(user=a.user, proposal=proposal, choice="no")
    client.force_login(b.user)
    html = client.get(reverse("governance:proposal", args=[proposal.pk])).content.decode()
    assert 'id="tally"' not in html and "the tally stays hidden" in html
    services.proposal_close(proposal=deadline_pass(proposal))
    html = client.get(reverse("governance:proposal", args=[proposal.pk])).content.decode()
    assert 'id="tally"' in html and "Who voted" in html and "Who voted what" not in html


def test_propose_form_offers_the_coops_qualification_rules(client):
    import json

    from tests.factories import computed_qualification

    coop = CoopFactory()
    a = voter(coop)
    qualification = computed_qualification(coop)
    client.force_login(a.user)
    assert f'value="{qualification.pk}"' in client.get(reverse("governance:proposal_new")).content.decode()
    rule = {"all": [{"metric": "tenure_days", "op": ">=", "value": 90}]}
    response = client.post(reverse("governance:proposal_new"), {
        "title": "Senior after 90 days", "qualification": qualification.pk, "qualification_rule": json.dumps(rule),
        "submit": "draft"})
    assert response.status_code == 302
    change = Proposal.objects.get().changes.get()
    assert (change.kind, change.key) == ("qualification_rule", str(qualification.pk))
    bad = client.post(reverse("governance:proposal_new"), {
        "title": "Broken rule", "qualification": qualification.pk, "qualification_rule": "{not json",
        "submit": "draft"})
    assert bad.status_code == 200 and "Write the rule as JSON." in bad.content.decode()


def test_proposal_page_shows_a_qualification_rule_diff(client):
    from tests.factories import computed_qualification

    coop = CoopFactory()
    a = voter(coop)
    qualification = computed_qualification(coop, name="Senior member")
    proposal = services.proposal_create(author=a.user, title="Senior after 90 days", changes=[
        {"kind": "qualification_rule", "qualification": qualification.pk,
         "rule": {"all": [{"metric": "tenure_days", "op": ">=", "value": 90}]}}])
    client.force_login(a.user)
    html = client.get(reverse("governance:proposal", args=[proposal.pk])).content.decode()
    assert "Senior member" in html and "90" in html and "qualification rule" in html
