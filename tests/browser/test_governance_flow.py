"""Real browsers, phone-sized: a member proposes raising the floor rate, three members vote in
three browser contexts, the close job runs, and the rulebook page shows the new version and
the proposal that adopted it."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coop.governance.jobs import proposals_advance
from coop.governance.models import Proposal
from tests.browser.helpers import menu_go
from tests.factories import CoopFactory, UserFactory, voter
from tests.factories.federation import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def test_propose_vote_close_and_read_the_new_rulebook(live_server, page, browser, browser_context_args,
                                                       allow_async_unsafe):
    base = live_server.url
    coop = CoopFactory(name="Coop Antananarivo", slug="tana")
    emails = ["fara@tana.example", "lova@tana.example", "nirina@tana.example"]
    for email in emails:
        voter(coop, user=UserFactory(email=email))

    # Fara proposes raising the floor rate
    log_in(page, base, emails[0])
    menu_go(page, "Votes")
    page.get_by_role("link", name="Make a proposal").click()
    page.fill("#id_title", "Raise the floor hourly rate to 15.00")
    page.fill("#id_body", "Malagasy transcription takes longer than estimated.")
    page.select_option("#id_parameter_1", value="floor_hourly_rate")
    page.fill("#id_value_1", "15.00")
    page.get_by_role("button", name="Save and open the discussion").click()
    expect(page.locator("#proposal-status")).to_have_text("in discussion")
    expect(page.locator("#diff")).to_contain_text("$12.00")
    expect(page.locator("#diff")).to_contain_text("$15.00")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # the discussion period passes; the job opens the vote
    proposal = Proposal.objects.get()
    Proposal.objects.filter(pk=proposal.pk).update(discussion_ends_at=timezone.now() - timedelta(seconds=1))
    assert proposals_advance()["opened"] == 1

    # three members vote, each in their own browser
    for email in emails:
        context = browser.new_context(**browser_context_args)
        member_page = context.new_page()
        log_in(member_page, base, email)
        member_page.goto(f"{base}/proposals/{proposal.pk}/")
        expect(member_page.locator("#proposal-status")).to_have_text("voting")
        member_page.get_by_role("button", name="Yes", exact=True).click()
        expect(member_page.locator(".messages")).to_contain_text("Your vote is recorded.")
        expect(member_page.locator("#my-vote")).to_contain_text("You voted: yes")
        context.close()
    page.goto(f"{base}/proposals/{proposal.pk}/")
    expect(page.locator("#tally")).to_contain_text("3 of 3")

    # the deadline passes; the close job adopts it
    Proposal.objects.filter(pk=proposal.pk).update(voting_ends_at=timezone.now() - timedelta(seconds=1))
    assert proposals_advance()["closed"] == 1
    page.reload()
    expect(page.locator("#proposal-status")).to_have_text("adopted")
    page.get_by_role("link", name="Adopted: rulebook version 2").click()
    expect(page.locator("main")).to_contain_text("Version 2")
    expect(page.locator("#param-floor_hourly_rate")).to_contain_text("$15.00")
    expect(page.locator("main")).to_contain_text(f"#{proposal.pk} Raise the floor hourly rate to 15.00")
    expect(page.locator("main")).to_contain_text("yes 3, no 0, abstain 0")
