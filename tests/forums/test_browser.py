"""Real browsers, phone-sized, on a live ASGI server (uvicorn, websockets): two members see
each other live; one goes offline, misses messages and catches up when back; a steward hides
a message with a reason."""

import pytest
from playwright.sync_api import expect

from coop.forums.registry import room_for
from tests.factories import UserFactory, member, steward
from tests.factories.federation import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(context, base, email):
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    return page


def send(page, text):
    page.fill("#post textarea", text)
    page.click("#post button[type=submit]")
    expect(page.locator("#post textarea")).to_have_value("")  # sent over the socket, no reload


def test_two_members_talk_live_one_drops_off_and_catches_up_a_steward_hides(
        asgi_servers, browser, browser_context_args, allow_async_unsafe):
    alice = member(user=UserFactory(email="fara@tana.example"))
    bob = member(coop=alice.coop, user=UserFactory(email="lova@tana.example"))
    boss = steward(coop=alice.coop, user=UserFactory(email="hery@tana.example"))
    room = room_for(alice.coop)
    (server,) = asgi_servers(1)
    room_url = f"{server.url}/forums/rooms/{room.pk}/"

    ctx_a, ctx_b = browser.new_context(**browser_context_args), browser.new_context(**browser_context_args)
    page_a = log_in(ctx_a, server.url, alice.user.email)
    page_b = log_in(ctx_b, server.url, bob.user.email)
    for page in (page_a, page_b):
        page.goto(room_url)
        expect(page.locator("#live-status")).to_have_attribute("data-state", "online")

    send(page_a, "Has anyone done the **receipts** batch?")
    expect(page_b.locator("#messages")).to_contain_text("Has anyone done the receipts batch?")
    expect(page_b.locator("#messages strong", has_text="receipts")).to_be_visible()
    send(page_b, "Yes, pay is fair")
    expect(page_a.locator("#messages")).to_contain_text("Yes, pay is fair")

    # Bob's phone loses the network; Alice goes on talking
    ctx_b.set_offline(True)
    expect(page_b.locator("#live-status")).to_have_attribute("data-state", "offline")
    send(page_a, "Missed one")
    send(page_a, "Missed two")
    page_b.wait_for_timeout(500)
    expect(page_b.locator("#messages")).not_to_contain_text("Missed one")
    ctx_b.set_offline(False)
    expect(page_b.locator("#live-status")).to_have_attribute("data-state", "online", timeout=15000)
    expect(page_b.locator("#messages")).to_contain_text("Missed one")
    expect(page_b.locator("#messages")).to_contain_text("Missed two")
    order = page_b.locator("#messages li.message .body").all_inner_texts()
    assert order == ["Has anyone done the receipts batch?", "Yes, pay is fair", "Missed one", "Missed two"]

    # a steward hides Alice's second message with a reason (a plain form post)
    ctx_s = browser.new_context(**browser_context_args)
    page_s = log_in(ctx_s, server.url, boss.user.email)
    page_s.goto(room_url)
    target = page_s.locator("li.message", has_text="Missed one")
    target.locator("summary", has_text="Hide").click()
    target.get_by_label("Reason (everyone sees it)").fill("Off topic for this room")
    target.get_by_role("button", name="Hide the message").click()
    expect(page_s.locator(".messages")).to_contain_text("The message is hidden.")
    hidden_for_steward = page_s.locator("li.message", has_text="Off topic for this room")
    expect(hidden_for_steward).to_contain_text("Missed one")  # stewards still see the text

    # Bob sees it hidden live, with the reason and without the text; Alice (the author) still sees hers
    hidden_for_bob = page_b.locator("li.message.hidden-msg")
    expect(hidden_for_bob).to_contain_text("Off topic for this room")
    expect(hidden_for_bob).not_to_contain_text("Missed one")
    hidden_for_alice = page_a.locator("li.message.hidden-msg")
    expect(hidden_for_alice).to_contain_text("Off topic for this room")
    expect(hidden_for_alice).to_contain_text("Missed one")
    assert page_b.evaluate("document.documentElement.scrollWidth") <= 390
    for context in (ctx_a, ctx_b, ctx_s):
        context.close()
