"""Real browser, phone-sized: a member sees why a project is closed to them, takes the paid
test, passes, sees the pay in their wallet, and the task opens."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import menu_go
from tests.factories import UserFactory, member, open_project, organisation, paid_test
from tests.factories.federation import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits_the_phone(page):
    return page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_member_passes_a_paid_test_and_the_task_opens(live_server, page, allow_async_unsafe):
    from tasks.qualifications.services import project_requirements_set

    base = live_server.url
    fara = member(user=UserFactory(email="fara@tana.example"))
    lab = organisation(name="Ravina Labs")
    test = paid_test(fara.coop, organisation=lab, reward=300)
    project = open_project(fara.coop, organisation=lab, tasks=2, title="Malagasy receipts")
    project_requirements_set(actor=lab.owner, project=project, qualifications=[test.qualification])

    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", fara.user.email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")

    # the project says why not, never hidden
    page.goto(f"{base}/work/projects/{project.pk}/")
    expect(page.locator("main")).to_contain_text("Needs the qualification “Malagasy transcriber”: pass the paid test.")
    assert fits_the_phone(page)

    # my qualifications: the rule, where I stand, the paid test
    menu_go(page, "Qualifications")
    expect(page.locator("h1")).to_have_text("My qualifications")
    expect(page.locator("main")).to_contain_text("Take the paid test (10 minutes, paid whether you pass or not).")
    page.get_by_role("link", name="See the paid test").click()
    expect(page.locator("main")).to_contain_text("$3.00")
    assert fits_the_phone(page)
    page.get_by_role("button", name="Start the test (paid $3.00)").click()

    # answer and submit
    page.get_by_label("Antananarivo", exact=True).check()
    page.get_by_label("How much is 2 + 2?").fill("4")
    page.get_by_label("Type the Malagasy word for 'good'").fill("Tsara")
    page.get_by_label("red", exact=True).check()
    page.get_by_label("blue", exact=True).check()
    assert fits_the_phone(page)
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.locator("#result")).to_contain_text("Score: 100% (pass mark 75%)")
    expect(page.locator("#result")).to_contain_text("passed")
    expect(page.locator("#result")).to_contain_text("Paid to your wallet: $3.00.")

    # the wallet shows the pay
    menu_go(page, "Wallet")
    expect(page.locator("main")).to_contain_text("$3.00")

    # the task opens
    page.goto(f"{base}/work/projects/{project.pk}/")
    expect(page.locator("main")).not_to_contain_text("Needs the qualification")
    page.locator("form[action$='/claim/'] button").click()
    expect(page).to_have_url(f"{base}/work/assignments/{project.assignments.get().pk}/")
