"""Every page a member walks, in each shipped language (issue 23): no error, the page says
its language, and the switcher names every language in itself.

The demo federation (seed_demo) is seeded once for the module, in a transaction rolled back
at the end. The URL list is what the Antananarivo member, a steward and the Lagos member
reach from `/` by following links (tests/core/test_french_pages.py's crawl, in English);
each language then requests every URL of the list as the same person."""

import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from accounts.models import User
from coop.core.languages import NATIVE_NAMES
from coop.eventlog.checkpoints import checkpoint_sign
from coop.eventlog.sequencer import sequence_pending
from tasks.appeals.jobs import appeals_due
from tests.core.test_french_pages import crawl

pytestmark = pytest.mark.django_db

PEOPLE = {"member (Antananarivo)": "member@tana.example", "steward (Antananarivo)": "steward@tana.example",
          "member (Lagos)": "member@lagos.example"}
SHIPPED = [code for code, _name in settings.LANGUAGES]
# a word of the navigation or the page title each language shows on the member's wallet
WALLET = {"en": "Wallet", "fr": "Portefeuille", "mg": "Kitapom-bola", "sw": "Pochi", "es": "Monedero",
          "pt": "Carteira"}


@pytest.fixture(scope="module")
def walk(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("seed_demo", "--quiet")
            sequence_pending(include_own=True)
            checkpoint_sign()
            appeals_due()
            people = {role: User.objects.get(email=email) for role, email in PEOPLE.items()}
            paths = {}
            for role, user in people.items():
                client = Client(HTTP_ACCEPT_LANGUAGE="en")
                client.force_login(user)
                paths[role] = [path for path, _text in crawl(client)]
            yield people, paths
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def test_the_walk_covers_the_members_path(walk):
    _people, paths = walk
    member = " ".join(paths["member (Antananarivo)"])
    for page in ("/work/", "/wallet/", "/qualifications/", "/forums/", "/profile/", "/solidarity/"):
        assert page in member
    assert sum(len(p) for p in paths.values()) > 60


@pytest.mark.parametrize("language", SHIPPED)
def test_every_page_renders_in_each_language(walk, language):
    people, paths = walk
    problems, total = [], 0
    for role, user in people.items():
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        client.force_login(user)
        for path in paths[role]:
            response = client.get(path)
            total += 1
            if response.status_code >= 500:
                problems.append(f"{role} {path}: {response.status_code}")
                continue
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            html = response.content.decode()
            if f'<html lang="{language}">' not in html:
                problems.append(f"{role} {path}: not in {language}")
            names = re.findall(r'<option value="(\w+)" lang="\w+" translate="no"[^>]*>([^<]+)</option>', html)
            if dict(names) != NATIVE_NAMES:
                problems.append(f"{role} {path}: switcher shows {names}")
    assert total > 60
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("language", SHIPPED)
def test_the_member_reads_the_wallet_in_the_language(walk, language):
    people, _paths = walk
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(people["member (Antananarivo)"])
    html = client.get("/wallet/").content.decode()
    assert f"<h1>{WALLET[language]}</h1>" in html
    assert "≈" in html and 'id="rate-note"' in html  # the demo member reads amounts in ariary too
    assert ('id="machine-note"' in html) == (language in ("mg", "sw", "es", "pt"))
