"""Real browser, phone-sized (390 px): sign up, apply, a steward admits, the member reads the
rulebook; and the same site walked in French."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import confirm_sign_up, menu_go
from tests.factories import CoopFactory, UserFactory, steward
from tests.factories.federation import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits_the_phone(page):
    return page.evaluate("document.documentElement.scrollWidth") <= 390


def log_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def test_sign_up_apply_admit_and_read_the_rulebook(live_server, page, browser, browser_context_args,
                                                    allow_async_unsafe):
    base = live_server.url
    coop = CoopFactory(name="Coop Antananarivo", slug="tana")
    boss = steward(coop, user=UserFactory(email="boss@tana.example"))

    # a newcomer signs up and applies
    page.goto(base + "/")
    page.get_by_role("link", name="Join a coop").click()
    page.fill("#id_email", "fara@example.org")
    page.fill("#id_display_name", "Fara Andriamanana")
    page.fill("#id_country", "MG")
    page.fill("#id_password", "a-long-enough-secret")
    page.click("main button[type=submit]")
    confirm_sign_up(page, "a-long-enough-secret")
    expect(page.locator("h1")).to_have_text("Apply to a coop")
    assert fits_the_phone(page)
    page.select_option("#id_coop", label="Coop Antananarivo")
    page.fill("#id_statement", "I have transcribed receipts in French and Malagasy for two years.")
    page.click("main button[type=submit]")
    expect(page.locator("main")).to_contain_text("Your application is waiting for a steward.")

    # the steward admits them, on their own phone
    steward_context = browser.new_context(**browser_context_args)
    steward_page = steward_context.new_page()
    log_in(steward_page, base, boss.user.email)
    menu_go(steward_page, "Steward")
    expect(steward_page.locator("main")).to_contain_text("Fara Andriamanana")
    expect(steward_page.locator("main")).to_contain_text("transcribed receipts")
    assert fits_the_phone(steward_page)
    steward_page.get_by_role("button", name="Admit").click()
    expect(steward_page.locator(".messages")).to_contain_text("Fara Andriamanana is now a member.")
    expect(steward_page.locator("main")).to_contain_text("No application is waiting.")
    steward_context.close()

    # the member sees the decision and reads the rulebook
    page.reload()
    expect(page.locator("main")).to_contain_text("Welcome! You are now a member of Coop Antananarivo.")
    expect(page.locator("main .badge").first).to_have_text("active")
    page.get_by_role("link", name="Read the rulebook").click()
    expect(page.locator("h1")).to_have_text("Rulebook of Coop Antananarivo")
    expect(page.locator("#param-floor_hourly_rate")).to_contain_text("at least $12.00")
    expect(page.locator("#article-4")).to_contain_text("Sanctions")
    expect(page.locator("main")).to_contain_text(re.compile(r"Version 1, in force since"))
    assert fits_the_phone(page)


@pytest.fixture
def french_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-FR"}


def test_the_site_in_french(live_server, browser, french_context_args, allow_async_unsafe):
    base = live_server.url
    coop = CoopFactory(name="Coop Antananarivo", slug="tana")
    boss = steward(coop, user=UserFactory(email="boss@tana.example"))
    context = browser.new_context(**french_context_args)
    page = context.new_page()

    # the browser's language is the default
    page.goto(base + "/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("link", name="Rejoindre une coopérative")).to_be_visible()
    page.get_by_role("link", name="Se connecter").first.click()
    page.fill("#id_username", boss.user.email)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("h1")).to_have_text("Tableau de bord")
    expect(page.locator("main")).to_contain_text("Règles en vigueur")
    page.get_by_role("link", name="Lire le règlement").click()
    expect(page.locator("h1")).to_have_text("Règlement de Coop Antananarivo")
    expect(page.locator("#param-floor_hourly_rate")).to_contain_text("Taux horaire plancher")
    menu_go(page, "Intendance")
    expect(page.locator("main")).to_contain_text("Aucune candidature en attente.")
    assert fits_the_phone(page)

    # the switcher overrides the browser's language, and back
    page.select_option("#lang-select", "en")
    page.get_by_role("button", name="Changer").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("main")).to_contain_text("No application is waiting.")
    page.select_option("#lang-select", "fr")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("main")).to_contain_text("Aucune candidature en attente.")
    context.close()
