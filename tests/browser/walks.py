"""The harness of the role walks (issue 16): a person on a 390-pixel phone, in French or in
English (the browser's language), who starts at the home page and then only follows links and
presses buttons on the screen.

- `Walker.home()` is the only page they open by address; any other `page.goto` fails the walk.
- Every response of the site with a 4xx or 5xx status fails it, and so does any console
  error or uncaught script error.
- Each page's bytes (the document and whatever it loads) are recorded, per step, in
  `walk.bytes` and written to var/walks/<walk>/<who>-bytes.json; `assert_light(limit)` fails
  a page heavier than `limit`.
- `t(french, english)` is what the walker reads or taps in their language.
- `step(name)` saves a screenshot in var/walks/<walk>-<language>/ (WALKS_DIR overrides the folder);
  CI prints that folder when a run fails.
- Pictures on made-up hosts (the demo's https://img.example/...) are answered locally at once.
"""

import json
import os
import re
from pathlib import Path

from django.conf import settings

from tests.factories.federation import PASSWORD

WALKS_DIR = Path(os.environ.get("WALKS_DIR") or Path(settings.BASE_DIR) / "var" / "walks")
PHONE = {"viewport": {"width": 390, "height": 844}}
LOCALES = {"fr": "fr-FR", "en": "en-GB"}  # the browser's language: the site's default for the walker


class WalkFailed(AssertionError):
    pass


class Walker:
    def __init__(self, browser, base, walk, who, context_args=None, lang="fr"):
        self.base, self.walk, self.who, self.lang = base, walk, who, lang
        self.context = browser.new_context(**{**(context_args or {}), **PHONE, "locale": LOCALES[lang]})
        self.context.route(re.compile(r"^(?!" + re.escape(base) + ")"),
                           lambda route: route.fulfill(status=204, body=""))
        self.page = self.context.new_page()
        self.errors, self.bytes, self.steps = [], {}, 0
        self._bucket = None
        self._goto = self.page.goto
        self.page.goto = self._refuse_typed_url
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"script error: {exc}"))
        self.page.on("response", self._response)
        self.page.on("framenavigated", self._navigated)
        self.folder = WALKS_DIR / f"{walk}-{lang}"
        self.folder.mkdir(parents=True, exist_ok=True)

    # --- what the walk refuses --------------------------------------------------------------
    def _refuse_typed_url(self, url, **kwargs):
        raise WalkFailed(f"{self.who} typed a URL ({url}): a walk only follows links and buttons")

    def _console(self, message):
        # pytest-django's live_server speaks HTTP only: the feed's live work socket (/ws/work/,
        # static/js/work_live.js, a progressive enhancement: the feed works without it) cannot
        # connect there, and Chromium logs the failed handshake. The forum walks test sockets on
        # a Channels server of their own.
        if message.type == "error" and "/ws/work/" in message.text and "WebSocket" in message.text:
            return
        if message.type == "error":
            self.errors.append(f"console error on {self.page.url}: {message.text}")

    def _response(self, response):
        if not response.url.startswith(self.base):
            return
        if response.status >= 400:
            self.errors.append(f"HTTP {response.status} for {response.url}")
        if self._bucket is not None and response.status < 300:
            self.bytes[self._bucket] = self.bytes.get(self._bucket, 0) + int(
                response.headers.get("content-length") or 0)

    def _navigated(self, frame):
        if frame == self.page.main_frame:
            path = frame.url[len(self.base):] if frame.url.startswith(self.base) else frame.url
            self._bucket = re.sub(r"\?.*", "", path)

    def check(self):
        if self.errors:
            raise WalkFailed(f"{self.walk} ({self.who}): " + "; ".join(self.errors))

    # --- what a person does -----------------------------------------------------------------
    def t(self, french, english):
        """The words on the screen in the walker's language."""
        return french if self.lang == "fr" else english

    def amount(self, french):
        """An amount as the walker reads and types it ("6,00" in French, "6.00" in English)."""
        return french if self.lang == "fr" else french.replace(",", ".")

    def home(self):
        self._goto(self.base + "/")
        return self.page

    def open_from_email(self, url):
        """A link in an email (the sign-up confirmation): the person clicks it in their mail."""
        assert url.startswith(self.base), url
        self._goto(url)
        return self.page

    def log_in(self, email, password=PASSWORD):
        """From the home page: Se connecter (Log in), the form, the button."""
        page = self.home()
        page.get_by_role("link", name=self.t("Se connecter", "Log in")).first.click()
        page.fill("#id_username", email)
        page.fill("#id_password", password)
        page.locator("main").get_by_role("button", name=self.t("Se connecter", "Log in")).click()
        page.wait_for_load_state()
        self.step("connecte")
        return page

    def menu(self, name, exact=True):
        """Open the menu (a <details>) and follow one of its links."""
        menu = self.page.locator("details.menu")
        if menu.get_attribute("open") is None:
            menu.locator("summary").click()
        menu.locator("nav").get_by_role("link", name=name, exact=exact).click()
        self.page.wait_for_load_state()

    def step(self, name):
        """A screenshot of where the walk is, then the checks."""
        self.steps += 1
        self.page.screenshot(path=str(self.folder / f"{self.who}-{self.steps:02d}-{name}.png"), full_page=True)
        width = self.page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            self.errors.append(f"{self.page.url} is {width} px wide")
        self.check()

    def assert_light(self, limit):
        heavy = {path: n for path, n in self.bytes.items() if n > limit}
        if heavy:
            raise WalkFailed(f"{self.who}: pages over {limit} bytes: {heavy}")

    def close(self):
        """Write the bytes per page next to the screenshots, then the last checks."""
        (self.folder / f"{self.who}-bytes.json").write_text(json.dumps(self.bytes, indent=1, sort_keys=True))
        self.context.close()
        self.check()
