import pytest

from coop.eventlog.checkpoints import checkpoint_sign
from coop.eventlog.services import event_record
from tests.eventlog.helpers import sequence_until
from tests.factories import CoopFactory, member


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_member_walks_from_the_audit_log_to_an_event_and_its_proof(page, live_server, allow_async_unsafe):
    coop = CoopFactory()
    fara = member(coop)
    for n in range(3):
        event_record(type="assignment.claimed", coop=coop, subject=("tasks.assignment", n), payload={"n": n})
    event_record(type="membership.admitted", coop=coop, subject=fara, payload={"member": fara.user_id})
    sequence_until(4)
    checkpoint_sign()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", fara.user.email)
    page.fill("input[name=password]", "pass-word-123")
    page.click("main button[type=submit]")
    page.goto(f"{live_server.url}/coops/{coop.slug}/audit/")
    assert page.locator("#checkpoint dd").first.inner_text() == "4"
    page.select_option("#type", "membership.admitted")
    page.click("form.card button[type=submit]")
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    rows.locator("a").click()
    assert "Event 4: Member admitted" in page.locator("h1").inner_text()  # the label, in the reader's language
    assert f'"member": {fara.user_id}' in page.locator("#payload").inner_text()
    assert "verified" in page.locator("#proof .badge").inner_text()
