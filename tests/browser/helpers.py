"""What browser tests share: open the page's menu (a <details>, closed on arrival) and follow
one of its links, as a person on a phone does."""


def open_menu(page):
    """Open the menu if it is closed; returns the menu's navigation to click in."""
    menu = page.locator("details.menu")
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()
    return menu.locator("nav")


def menu_go(page, name, exact=True):
    """Follow the menu link (or the role switch) called `name`."""
    open_menu(page).get_by_role("link", name=name, exact=exact).click()
