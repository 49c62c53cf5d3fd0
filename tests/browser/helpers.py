"""What browser tests share: open the page's menu (a <details>, closed on arrival) and follow
one of its links, as a person on a phone does."""

from playwright.sync_api import expect


def open_menu(page):
    """Open the menu if it is closed; returns the menu's navigation to click in."""
    menu = page.locator("details.menu")
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()
    return menu.locator("nav")


def menu_go(page, name, exact=True):
    """Follow the menu link (or the role switch) called `name`."""
    open_menu(page).get_by_role("link", name=name, exact=exact).click()


def confirm_sign_up(page, password, open_link=None):
    """Sign-up answers "check your email" and mails a link (accounts/signup.py): open the
    newest link (`open_link`, default `page.goto`), type the password chosen at sign-up and
    confirm."""
    from django.core import mail

    expect(page.locator("#signup-sent")).to_be_visible()
    link = next(word for word in mail.outbox[-1].body.split() if "/signup/confirm/" in word)
    (open_link or page.goto)(link)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
