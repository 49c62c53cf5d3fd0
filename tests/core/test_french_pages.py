"""No English on French pages (issue 16, point 3).

The demo federation (seed_demo) puts data in every state: projects drafted, published and
paused, submissions approved, rejected and returned, appeals filed and decided, proposals
open and adopted, payouts requested and paid. Each role starts at `/` in French (the language
cookie) and follows its pages' links, breadth first; the visible text of every page (text
nodes, button values, placeholders, labels for screen readers) must contain none of:

- the English UI strings: every msgid of the French catalogue whose French differs (a string
  someone forgot to wrap shows its English, and wrapped strings built from parts show too);
- the stored codes: the value of every `TextChoices` whose label differs from the value
  (`pending`, `mobile_money`, `faces_or_identity_documents`...), which show when a template
  prints a code instead of its label.

What users write (titles, messages, names) is theirs and may be in English: templates mark it
`translate="no"` (the HTML attribute that tells translators, human or machine, to leave it),
and the test skips those elements."""

import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import models
from django.test import Client

from coop.eventlog.checkpoints import checkpoint_sign
from coop.eventlog.sequencer import sequence_pending
from coop.federation.rulebook import PARAMETERS, REJECTION_REASONS
from tasks.appeals.jobs import appeals_due
from tests.factories.demo import demo_people

pytestmark = pytest.mark.django_db

MAX_PAGES = 40
SKIP = re.compile(r"^/(admin|api|i18n|static|accounts/logout|accounts/password_reset|favicon\.ico)(/|$)"
                  r"|\.(csv|json|ico)$|/statement|/results|/export")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Words that are the same in both languages or too short to tell (a msgid "OK" or "Email").
SAME = {"OK", "Email", "Notes", "Menu", "Message", "Messages", "Total", "Date", "Code", "Type", "Note",
        "Description", "Transactions", "Questions", "Question", "Minimum", "Maximum", "Version", "Coop",
        "API", "Audit", "Slug", "Forums", "Simulation", "Documentation", "Options", "Stop", "Juré", "Minutes",
        "Article", "Points", "Position", "Section", "Surveillance", "Nouvelles", "Source", "Suspension",
        "Transaction", "Instructions", "Attention", "Contact", "Qualifications", "Qualification", "Organisation",
        "Organisations", "Statut", "Profil", "Notifications", "Notification", "minutes", "Vote", "quorum", "Page",
        "Score", "RFC 9162", "qualifications", "Quorum", "Participation", "Abstention", "Transcription"}


class VisibleText(HTMLParser):
    """The text a reader sees: text nodes outside script/style/template, outside any element
    marked translate="no" and outside text areas (what someone typed), plus the values of
    buttons and the placeholders, titles and labels."""

    HIDDEN = {"script", "style", "template", "noscript", "head", "textarea"}  # a textarea holds what one typed

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # (tag, skipped)
        self.parts = []

    def skipping(self):
        return any(skipped for _, skipped in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skipped = tag in self.HIDDEN or attrs.get("translate") == "no"
        if not skipped and not self.skipping():
            for name in ("placeholder", "title", "aria-label", "alt"):
                if attrs.get(name):
                    self.parts.append(attrs[name])
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.parts.append(attrs["value"])
        if tag not in VOID:
            self.stack.append((tag, skipped))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if not self.skipping() and data.strip():
            self.parts.append(data)


def visible_text(html):
    parser = VisibleText()
    parser.feed(html)
    return " ¶ ".join(" ".join(p.split()) for p in parser.parts)


def english_strings():
    """Every UI string whose French differs, as a regex of whole words (a placeholder matches
    any text), longest first."""
    po = polib.pofile(str(Path(settings.BASE_DIR) / "locale/fr/LC_MESSAGES/django.po"))
    found = set()
    for e in po:
        pairs = [(e.msgid, e.msgstr)] if not e.msgid_plural else [
            (e.msgid, e.msgstr_plural.get(0, "")), (e.msgid_plural, e.msgstr_plural.get(1, ""))]
        for english, french in pairs:
            english, french = (" ".join(t.replace("%%", "%").split()) for t in (english, french))
            if not english or english == french or english in SAME:
                continue
            # pieces between placeholders, each long enough to tell English from French
            for piece in re.split(r"%\(\w+\)[sd]|%[sd]|\{\w*\}", english):
                piece = piece.strip(" .,:;·–—()\"'“”")
                if len(piece) < 4 or piece in SAME or not re.search(r"[A-Za-z]{2}", piece):
                    continue
                if " " not in piece and piece.lower() == piece and len(piece) < 6:
                    continue  # a short lower-case word ("yes", "open") needs its context to be English
                found.add(piece)
    return found


def stored_codes():
    """The values of the choices, where the English label differs from the code (a code shown
    raw); one-word codes that are also English words are caught as UI strings instead."""
    codes = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            choices = getattr(field, "choices", None)
            if not choices:
                continue
            for value, _label in field.flatchoices:
                if isinstance(value, str) and "_" in value:
                    codes.add(value)
    codes |= {c for p in PARAMETERS for c in p.choices if "_" in c}
    codes |= {c for c in REJECTION_REASONS if "_" in c}
    for cls in models.TextChoices.__subclasses__():
        for value in cls.values:
            if "_" in value:
                codes.add(value)
    return codes


def pattern(path):
    return re.sub(r"/\d+(?=/|$)", "/<n>", path)


def crawl(client, start="/"):
    """Breadth first over the site's own links; [(path, visible text)]."""
    pages, seen, per_pattern = [], set(), {}
    queue = deque([start])
    while queue and len(pages) < MAX_PAGES:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        key = pattern(urlsplit(path).path)
        if per_pattern.get(key, 0) >= 1:
            continue
        per_pattern[key] = 1
        response = client.get(path)
        if response.status_code in (301, 302) and response["Location"].startswith("/"):
            queue.appendleft(response["Location"])
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        pages.append((path, visible_text(html)))
        for href in re.findall(r'<a [^>]*href="([^"]+)"', html):
            href = urldefrag(urljoin("http://testserver" + path, href.replace("&amp;", "&")))[0]
            if not href.startswith("http://testserver/"):
                continue
            href = href[len("http://testserver"):]
            if href not in seen and not SKIP.search(urlsplit(href).path):
                queue.append(href)
    return pages


# Proper nouns that contain an English UI word: the payout rails' brand names (issue 23).
PROPER_NOUNS = re.compile(r"\b(Orange|Airtel) Money\b")


def english_in(text, strings, codes):
    text = PROPER_NOUNS.sub("", text)
    found = []
    for s in strings:
        if re.search(r"(?<![\w@/.-])" + re.escape(s) + r"(?![\w@])", text):
            found.append(s)
    for c in codes:
        if re.search(r"(?<![\w/.-])" + re.escape(c) + r"(?![\w/.-])", text):
            found.append(c)
    return found


def test_the_visible_text_is_the_text_a_reader_sees():
    text = visible_text('<html><head><title>x</title></head><body><script>var a="Save"</script>'
                        '<p>Bonjour <b>toi</b></p><h2 translate="no">My project</h2><br>'
                        '<input type="submit" value="Envoyer"><input placeholder="Chercher"></body></html>')
    assert "Bonjour" in text and "toi" in text and "Envoyer" in text and "Chercher" in text
    assert "Save" not in text and "My project" not in text


def test_the_english_list_catches_an_unwrapped_string_and_a_raw_code():
    strings, codes = english_strings(), stored_codes()
    assert "Review queue" in strings and "mobile_money" in codes
    assert {"Review queue", "mobile_money"} <= set(english_in("Projets ¶ Review queue ¶ mobile_money", strings, codes))
    assert english_in("File d'attente ¶ Mobile money", strings, codes) == []


def test_every_page_of_every_role_in_french_has_no_english():
    call_command("seed_demo", "--quiet")
    # On PostgreSQL the sequencer numbers only finished transactions, and this test's never
    # finishes: number its events, sign, and let the demo's jury be drawn as a running stack would.
    sequence_pending(include_own=True)
    checkpoint_sign()
    appeals_due()
    strings, codes = english_strings(), stored_codes()
    problems, total = [], 0
    for role, user in demo_people().items():
        client = Client(HTTP_ACCEPT_LANGUAGE="fr")
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
        client.force_login(user)
        for path, text in crawl(client):
            total += 1
            found = english_in(text, strings, codes)
            if found:
                problems.append(f"{role} {path}: {sorted(found)}")
    assert total > 100
    assert problems == [], "\n".join(problems)
