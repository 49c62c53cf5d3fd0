"""Translation at run time (issue 23): a member's fallback language through Django's
translation machinery, Malagasy's LANG_INFO, and reloading a changed catalogue."""

import os
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language_info, gettext

from accounts.services import profile_update
from coop.core import translation as runtime
from coop.core.catalogues import catalogue_compile
from tests.factories import member

LOCALE = Path(settings.BASE_DIR) / "locale"
# a msgid the Malagasy and Swahili catalogues leave untranslated (French has it): the operator's page
UNTRANSLATED, FRENCH = "Record a deposit", "Enregistrer un dépôt"


def malagasy_lacks(msgid):
    po = polib.pofile(str(LOCALE / "mg" / "LC_MESSAGES" / "django.po"))
    entry = po.find(msgid)
    return entry is not None and not entry.msgstr


def test_django_knows_malagasy():
    info = get_language_info("mg")
    assert info["name_local"] == "Malagasy" and info["bidi"] is False


def test_an_untranslated_string_falls_back_to_french_or_english_as_chosen():
    assert malagasy_lacks(UNTRANSLATED)
    try:
        runtime.activate("mg", "fr")
        assert gettext(UNTRANSLATED) == FRENCH  # not in Malagasy yet: the French
        assert gettext("Wallet") == "Kitapom-bola"  # translated (fuzzy): the Malagasy
        runtime.activate("mg", "en")
        assert gettext(UNTRANSLATED) == UNTRANSLATED
        assert gettext("Wallet") == "Kitapom-bola"
        runtime.activate("mg", "")  # the language's usual one: French for Malagasy
        assert gettext(UNTRANSLATED) == FRENCH
        runtime.activate("sw", "")  # English for Swahili
        assert gettext(UNTRANSLATED) == UNTRANSLATED and gettext("Wallet") == "Pochi"
        runtime.activate("sw", "fr")
        assert gettext(UNTRANSLATED) == FRENCH
    finally:
        translation.activate(settings.LANGUAGE_CODE)


@pytest.mark.django_db
def test_the_fallback_follows_the_members_profile(client):
    worker = member().user
    client.force_login(worker)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sw"
    profile_update(user=worker, fallback_language="fr")
    page = client.get(reverse("accounts:profile")).content.decode()
    assert '<html lang="sw">' in page
    assert "Pochi" in page or "Wasifu wangu" in page  # Swahili where translated
    profile_update(user=worker, fallback_language="en")
    english = client.get(reverse("accounts:profile")).content.decode()
    assert "Wasifu wangu" in english


def test_a_changed_catalogue_is_read_again_without_a_restart(tmp_path):
    target = tmp_path / "mg" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(LOCALE / "mg" / "LC_MESSAGES" / "django.po", target / "django.po")
    catalogue_compile(target / "django.po")
    with override_settings(LOCALE_PATHS=[tmp_path]):
        try:
            runtime.activate("mg", "en")
            assert gettext("Wallet") == "Kitapom-bola"
            po = polib.pofile(str(target / "django.po"))
            po.find("Wallet").msgstr = "Poketra"
            po.save()
            catalogue_compile(target / "django.po")
            assert gettext("Wallet") == "Kitapom-bola"  # still the catalogue in memory
            runtime.reload()
            runtime.activate("mg", "en")
            assert gettext("Wallet") == "Poketra"
        finally:
            runtime.reload()
            translation.activate(settings.LANGUAGE_CODE)


def test_other_processes_notice_a_changed_catalogue_by_its_time(tmp_path, monkeypatch):
    mo = tmp_path / "mg" / "LC_MESSAGES" / "django.mo"
    mo.parent.mkdir(parents=True)
    mo.write_bytes(b"")
    reloads = []
    monkeypatch.setattr(runtime, "reload", lambda: reloads.append(1))
    monkeypatch.setattr(runtime, "_seen", {"at": 0.0, "mtimes": None})
    with override_settings(LOCALE_PATHS=[tmp_path]):
        assert runtime.reload_if_changed(now=100.0) is False  # first look: remembers the times
        mo.write_bytes(b"changed")
        os.utime(mo, ns=(1, 10**18))
        assert runtime.reload_if_changed(now=110.0) is False  # not yet: looks every 30 s
        assert runtime.reload_if_changed(now=131.0) is True
        assert reloads == [1]


@pytest.mark.parametrize(("language", "choice", "expected"), [
    ("mg", "", "fr"), ("mg", "en", "en"), ("sw", "", "en"), ("es", "fr", "fr"), ("fr", "en", None), ("en", "fr", None),
])
def test_fallback_for(language, choice, expected):
    assert runtime.fallback_for(language, choice) == expected
