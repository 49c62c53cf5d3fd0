"""Browser walk of the marketplace: a requester creates a project, uploads a CSV and
publishes; a member (in French, on a 390-pixel screen) finds it with its expected hourly
rate, claims and submits; the requester rejects with a reason; the member reads it; another
member's work is approved and their wallet shows the pay."""

import pytest
from playwright.sync_api import expect

from ledger.services import deposit_record
from tasks.models import Assignment, Project
from tests.factories import CoopFactory, UserFactory, member, operator, organisation
from tests.factories.federation import PASSWORD

EXPLANATION = "The picture shows a dog on the left, not a cat: see example 2."


def _login(page, base, email, language="en"):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("form.card button[type=submit]")
    if language != "en":
        page.select_option("#lang-select", language)
        page.click("form.lang button[type=submit]")


def _fits(page):
    wide = page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter(e => e.getBoundingClientRect().right > 390)
        .map(e => e.tagName + '.' + e.className + ':' + e.textContent.slice(0, 40))""")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, wide


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_requester_publishes_members_work_reject_and_approve(allow_async_unsafe, live_server, page, tmp_path):
    base = live_server.url
    coop = CoopFactory(name="Coop Tana")
    org = organisation(owner=UserFactory(email="boss@lab.example"), name="Lab Nord")
    deposit_record(operator=operator(), organisation=org, amount=10_000, reference="wire")
    fara = member(coop, user=UserFactory(email="fara@tana.example")).user
    lova = member(coop, user=UserFactory(email="lova@tana.example")).user

    # the requester drafts the project with the example form, uploads a CSV, publishes
    _login(page, base, "boss@lab.example")
    page.goto(f"{base}/requester/projects/new/?org={org.pk}")
    page.select_option("#coop", str(coop.pk))
    page.fill("#id_title", "Cats or dogs")
    page.fill("#id_category", "labelling")
    page.fill("#id_instructions", "Say what the **picture** shows.")
    page.fill("#id_reward", "0.50")
    page.fill("#id_estimated_minutes", "2")
    # the cost preview follows what is typed: 100 tasks (its guess) × 0.50 + 5% of fees
    expect(page.locator("#cost-total")).to_have_text("$52.50")
    expect(page.locator("#cost-hourly")).to_contain_text("$15.00 per hour")
    page.fill("#preview-tasks", "3")
    expect(page.locator("#cost-total")).to_have_text("$1.57")
    page.click("main form.card button[type=submit]")
    project = Project.objects.get(title="Cats or dogs")
    csv_file = tmp_path / "pictures.csv"
    csv_file.write_text("image_url\nhttps://img.example/1.jpg\nhttps://img.example/2.jpg\nhttps://img.example/3.jpg\n")
    page.set_input_files("input[type=file]", str(csv_file))
    page.click("text=Upload")
    page.wait_for_selector("#import-status")
    page.goto(f"{base}/requester/imports/{project.imports.get().pk}/")
    assert "3 tasks added" in page.inner_text("#import-message")
    page.goto(f"{base}/requester/projects/{project.pk}/")
    page.get_by_role("link", name="Publish", exact=True).click()
    # 3 × 0.50 = 1.50, fee 0.075 rounded down to 0.07 (coop 0.05, federation 0.01, juror fund 0.01)
    expect(page.locator("#cost-total")).to_have_text("$1.57")
    expect(page.locator("#cost-balance")).to_contain_text("$100.00 now, $98.43 after publishing")
    page.get_by_role("button", name="Confirm: publish for $1.57").click()
    assert page.locator("text=Published").first.is_visible()
    assert Project.objects.get(pk=project.pk).status == "open"

    # Fara works in French on her phone: the feed shows the expected hourly rate
    _login(page, base, "fara@tana.example", "fr")
    page.goto(f"{base}/work/")
    card = page.locator(f"#project-{project.pk}")
    assert "15,00\xa0$ de l'heure" in card.inner_text()  # the compact card leads with the hourly rate
    _fits(page)
    card.locator("button:has-text('Prendre une tâche')").click()
    # the task's picture is on the page (the test host does not serve it, so check the element)
    assert page.locator("img[src^='https://img.example/']").count() == 1
    _fits(page)
    page.check("input[name=label][value=cat]")
    page.click("button[value=submit]")
    assert page.locator("text=Rendu").first.is_visible()

    # Lova works in English
    _login(page, base, "lova@tana.example")
    page.goto(f"{base}/work/projects/{project.pk}/")
    page.click("button:has-text('Take a task')")
    page.check("input[name=label][value=dog]")
    page.click("button[value=submit]")

    # the requester rejects Fara's work with a reason and approves Lova's
    fara_work = Assignment.objects.get(member=fara)
    lova_work = Assignment.objects.get(member=lova)
    _login(page, base, "boss@lab.example")
    page.goto(f"{base}/requester/projects/{project.pk}/review/")
    table = page.inner_text("#review-table")
    assert "fara" not in table and "Person" not in table  # pseudonyms only
    page.click(f"#review-table a:text-is('{fara_work.pk}')")
    page.select_option("#id_reason", "wrong_answer")
    page.fill("#id_explanation", EXPLANATION)
    page.click("button[value=reject]")
    page.goto(f"{base}/requester/assignments/{lova_work.pk}/")
    page.click("button[value=approve]")
    assert Assignment.objects.get(pk=fara_work.pk).status == "rejected"
    assert Assignment.objects.get(pk=lova_work.pk).status == "approved"

    # Fara reads the reason and the explanation in full, with the appeal deadline
    _login(page, base, "fara@tana.example", "fr")
    page.goto(f"{base}/work/mine/")
    text = page.inner_text(f"#assignment-{fara_work.pk}")
    assert EXPLANATION in text and "La réponse est fausse" in text and "faire appel" in text  # the reason in French
    _fits(page)

    # Lova's wallet shows the pay
    _login(page, base, "lova@tana.example")
    page.goto(f"{base}/wallet/")
    assert "$0.50" in page.inner_text("main")
    _fits(page)
