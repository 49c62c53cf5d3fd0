"""English and French: the catalogue is complete, the browser language is the default, the
switcher works, and the French pages come out in French."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import member

SOURCES = ["accounts", "coop", "ledger", "tasks", "templates", "locale", "manage.py"]
# the same as `make messages`
MAKEMESSAGES = ["makemessages", "-l", "fr", "--no-obsolete", "--no-location", "--ignore=tests/*",
                "--ignore=bench/*", "--ignore=staticfiles/*", "--ignore=var/*", "--ignore=.venv/*"]


def test_every_user_facing_string_has_a_french_translation(tmp_path):
    """Re-extract the strings from a copy of the sources into a copy of the catalogue: any new
    string comes out untranslated (or fuzzy, when msgmerge guesses), and the test names it."""
    base = Path(settings.BASE_DIR)
    for name in SOURCES:
        source = base / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        elif source.exists():
            shutil.copy(source, tmp_path / name)
    subprocess.run([sys.executable, "manage.py", *MAKEMESSAGES], cwd=tmp_path, check=True, capture_output=True,
                   timeout=120)
    po = polib.pofile(str(tmp_path / "locale/fr/LC_MESSAGES/django.po"))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert len(po) > 200
    assert untranslated == [], f"add French for these strings (make messages, then fill msgstr): {untranslated}"
    assert fuzzy == [], f"check these fuzzy French guesses and remove the fuzzy flag: {fuzzy}"


def test_the_catalogue_keeps_the_placeholders_of_each_string():
    po = polib.pofile(str(Path(settings.BASE_DIR) / "locale/fr/LC_MESSAGES/django.po"))
    pattern = re.compile(r"%\(\w+\)[sd]")

    def same(source, translation):
        return sorted(pattern.findall(source)) == sorted(pattern.findall(translation))

    wrong = []
    for e in po:
        if e.msgid_plural:
            if not same(e.msgid_plural, e.msgstr_plural.get(1, "")):
                wrong.append(e.msgid)
        elif not same(e.msgid, e.msgstr):
            wrong.append(e.msgid)
    assert wrong == []


@pytest.mark.django_db
def test_the_browser_language_is_the_default(client):
    french = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9,en;q=0.5").content.decode()
    assert '<html lang="fr">' in french and "Rejoindre une coopérative" in french
    english = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert '<html lang="en">' in english and "Join a coop" in english
    other = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="de-DE").content.decode()
    assert '<html lang="en">' in other


@pytest.mark.django_db
def test_the_language_switcher_overrides_the_browser(client):
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Rejoindre une coopérative" in page
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Join a coop" in client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()


@pytest.mark.django_db
def test_an_unknown_language_is_ignored(client):
    response = client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert "Join a coop" in client.get("/").content.decode()


@pytest.mark.django_db
def test_the_rulebook_page_in_french(client):
    mine = member()
    client.force_login(mine.user)
    page = client.get(reverse("federation:rulebook", args=[mine.coop.slug]), HTTP_ACCEPT_LANGUAGE="fr").content
    text = page.decode()
    assert "Règlement de" in text and "Taux horaire plancher" in text and "au moins 12,00\u00a0$" in text
    assert "Floor hourly rate" not in text
