"""Real browsers, phone-sized: a member appeals a rejection; three jurors, each in their own
browser, vote; the member is paid and reads the jurors' reasons."""

import time

import pytest
from playwright.sync_api import expect

from tasks.appeals.jobs import appeals_due
from tasks.appeals.models import Appeal
from tasks.services import assignment_approve, assignment_claim, assignment_reject, assignment_submit
from tests.appeals.conftest import EXPLANATION, PARAMS, REWARD, STATEMENT, participate, published_project
from tests.browser.helpers import menu_go
from tests.factories import CoopFactory, UserFactory, member
from tests.factories.federation import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "The lower half of the receipt image is blank; nothing was skipped."


def log_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def test_appeal_jury_votes_and_the_member_is_paid(live_server, page, browser, browser_context_args,
                                                  allow_async_unsafe):
    base = live_server.url
    coop = CoopFactory(params=PARAMS)
    people = [participate(member(coop, user=UserFactory(email=f"m{i}@tana.example"))) for i in range(8)]
    project = published_project(coop, tasks=4, reward=REWARD, estimated_minutes=10, funds=4 * 13200 + 1000)
    owner = project.organisation.staff.first().user
    worker = people[0]
    subs = []
    for user in people[:2]:
        a = assignment_claim(member=user, project=project)
        subs.append(assignment_submit(member=user, assignment=a, answers={"label": "yes"}))
    assignment_approve(actor=owner, assignment=subs[1])
    assignment_reject(actor=owner, assignment=subs[0], reason="incomplete", explanation=EXPLANATION)

    # the member reads the rejection and appeals
    log_in(page, base, worker.email)
    menu_go(page, "Appeals")
    page.get_by_role("link", name="Appeal", exact=True).click()
    expect(page.locator("main")).to_contain_text(EXPLANATION)
    page.fill("#id_statement", STATEMENT)
    page.get_by_role("button", name="File my appeal").click()
    expect(page.locator(".messages")).to_contain_text("Your appeal was filed")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # the job seals the log, draws the jury from the signed checkpoint
    # (the sequencer numbers only finished transactions: another open transaction on the
    # same PostgreSQL server can hold the horizon back for a moment)
    deadline = time.monotonic() + 60
    while appeals_due()["drawn"] == 0 and time.monotonic() < deadline:
        time.sleep(0.5)
    appeal = Appeal.objects.get()
    jurors = [seat.juror for seat in appeal.seats.select_related("juror")]
    assert len(jurors) == 3 and worker not in jurors

    for juror in jurors:
        context = browser.new_context(**browser_context_args)
        juror_page = context.new_page()
        log_in(juror_page, base, juror.email)
        juror_page.goto(f"{base}/appeals/")
        juror_page.get_by_role("link", name=f"Appeal {appeal.pk}").click()
        expect(juror_page.locator("main")).to_contain_text(STATEMENT)
        expect(juror_page.locator("main")).not_to_contain_text(worker.email)
        juror_page.get_by_role("button", name="Accept").click()
        juror_page.get_by_label("overturn the decision").check()
        juror_page.fill("#id_reason", REASON)
        juror_page.get_by_role("button", name="Vote").click()
        expect(juror_page.locator(".messages")).to_contain_text("Your vote was recorded.")
        context.close()

    page.goto(f"{base}/appeals/{appeal.pk}/")
    expect(page.locator("main")).to_contain_text("overturned")
    expect(page.locator("main")).to_contain_text(REASON)
    page.goto(f"{base}/wallet/")
    expect(page.locator("main")).to_contain_text("$120.00")
