"""The proposal form speaks in the units members use (issue 16 point 4): money in the coop's
currency, percentages, durations, choices with their labels, a rule builder; current value and
bound in the same unit; it works without JavaScript."""

import re
from html import unescape

import pytest
from django.urls import reverse

from coop.governance.models import Proposal
from tests.factories import CoopFactory, voter
from tests.factories.qualifications import computed_qualification

pytestmark = pytest.mark.django_db

URL = "/proposals/new/"


def test_the_form_shows_values_and_bounds_in_the_same_unit_in_french(client):
    a = voter(CoopFactory())
    client.force_login(a.user)
    html = unescape(client.get(URL, HTTP_ACCEPT_LANGUAGE="fr").content.decode())
    text = re.sub(r"<[^>]+>", " ", html)  # what a reader sees (codes may stay in value attributes)
    for raw in ("au moins 1200", "500; au plus 1000", "au plus 1000", "paramètre du règlement", "fair_share",
                "mobile_money", "(JSON"):
        assert raw not in text, raw
    assert "maintenant 12,00\u00a0$ · au moins 12,00\u00a0$" in html  # the floor, money both sides
    assert "maintenant 5\u00a0% · au plus 10\u00a0%" in html  # the fee, percent both sides
    assert "maintenant 72 heures · au plus 168 heures" in html  # a duration
    assert "Premier arrivé, premier servi" in html and "Mobile money" in html  # choices with labels
    assert html.count("<details") >= 5  # folded parts keep the page short


def test_every_widget_kind_turns_into_the_stored_value(client):
    coop = CoopFactory()
    a = voter(coop)
    client.force_login(a.user)
    response = client.post(URL, {
        "title": "Several changes at once", "submit": "draft",
        "p_floor_hourly_rate": "15.00",          # money
        "p_platform_fee_bps": "4,5",             # percent (basis points stored)
        "p_auto_approval_hours": "48",           # duration
        "p_allocation_policy": "first_come",     # choice
        "p_payout_methods": ["mobile_money"], "p_payout_methods__shown": "1",  # list: bank transfer unticked
        "p_quorum_pct": "25",                    # whole percent
        "p_jury_size": "",                       # empty: no change
        "p_banned_data_categories__shown": "1",  # shown, none ticked, as it is now: no change
    })
    assert response.status_code == 302, unescape(response.content.decode())[:2000]
    changes = {c.key: c.proposed for c in Proposal.objects.get().changes.all()}
    assert changes == {"floor_hourly_rate": 1500, "platform_fee_bps": 450, "auto_approval_hours": 48,
                       "allocation_policy": "first_come", "payout_methods": ["mobile_money"], "quorum_pct": 25}


def test_a_value_out_of_bounds_shows_the_bound_in_money_and_keeps_the_input(client):
    client.force_login(voter(CoopFactory()).user)
    response = client.post(URL, {"title": "Lower the floor rate", "p_floor_hourly_rate": "9.00", "submit": "draft"})
    html = unescape(response.content.decode())
    assert response.status_code == 200 and "$12.00" in html and 'value="9.00"' in html
    assert 'id="group-pay" open' in html  # the part with the change stays open
    assert not Proposal.objects.exists()


def test_the_rule_builder_makes_the_rule_and_shows_its_json_without_javascript(client):
    coop = CoopFactory()
    a = voter(coop)
    qualification = computed_qualification(coop)
    client.force_login(a.user)
    fields = {"title": "A stricter senior standing", "qualification": str(qualification.pk), "rule_join": "all",
              "rule_metric_1": "tenure_days", "rule_op_1": ">=", "rule_value_1": "60",
              "rule_metric_2": "languages", "rule_op_2": "has", "rule_value_2": "FR"}
    preview = client.post(URL, {**fields, "submit": "preview"})
    html = unescape(preview.content.decode())
    expected = ('{"all": [{"metric": "tenure_days", "op": ">=", "value": 60}, '
                '{"metric": "languages", "op": "has", "value": "fr"}]}')
    assert expected in html and not Proposal.objects.exists()
    saved = client.post(URL, {**fields, "submit": "draft"})
    assert saved.status_code == 302
    change = Proposal.objects.get().changes.get()
    assert change.kind == "qualification_rule" and change.proposed["all"][0] == {
        "metric": "tenure_days", "op": ">=", "value": 60}
    assert reverse("governance:proposal", args=[Proposal.objects.get().pk]) == saved.url
