"""The catalogues (issue 23): machine translations are flagged fuzzy and still compiled for
their languages, msgmerge's guesses are not, French compiles as msgfmt does."""

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings

from coop.core.catalogues import catalogue_compile, catalogue_counts, catalogue_problems
from coop.core.languages import REVIEW_LANGUAGES

LOCALE = Path(settings.BASE_DIR) / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def po_with(language, entries, tmp_path):
    po = polib.POFile()
    po.metadata = {"Language": language, "Content-Type": "text/plain; charset=UTF-8",
                   "Plural-Forms": "nplurals=2; plural=(n != 1);"}
    for entry in entries:
        po.append(entry)
    path = tmp_path / language / "LC_MESSAGES" / "django.po"
    path.parent.mkdir(parents=True)
    po.save(str(path))
    return path


def test_a_machine_language_compiles_its_fuzzy_entries_but_not_msgmerges_guesses(tmp_path):
    path = po_with("mg", [
        polib.POEntry(msgid="Wallet", msgstr="Kitapom-bola", flags=["fuzzy"]),
        polib.POEntry(msgid="Payouts", msgstr="Fandoavana"),
        polib.POEntry(msgid="Request a payout", msgstr="Fandoavana", flags=["fuzzy"],
                      previous_msgid="Payouts"),  # msgmerge's guess from a neighbouring msgid
        polib.POEntry(msgid="Menu", msgstr=""),
    ], tmp_path)
    assert catalogue_compile(path) == 2
    mo = {e.msgid: e.msgstr for e in polib.mofile(str(path.with_suffix(".mo")))}
    assert mo.get("Wallet") == "Kitapom-bola" and mo.get("Payouts") == "Fandoavana"
    assert "Request a payout" not in mo and "Menu" not in mo
    assert polib.pofile(str(path)).fuzzy_entries()  # the .po keeps its flags


def test_french_compiles_without_its_fuzzy_entries_as_msgfmt_does(tmp_path):
    path = po_with("fr", [polib.POEntry(msgid="Wallet", msgstr="Portefeuille", flags=["fuzzy"]),
                          polib.POEntry(msgid="Payouts", msgstr="Paiements")], tmp_path)
    assert catalogue_compile(path) == 1
    assert {e.msgid for e in polib.mofile(str(path.with_suffix(".mo")))} == {"Payouts"}


@pytest.mark.parametrize("language", REVIEW_LANGUAGES)
def test_every_machine_translation_is_marked_as_needing_review(language):
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    counts = catalogue_counts(po)
    assert counts["translated"] == 0  # nothing presented as finished
    assert counts["fuzzy"] >= 350  # the member's path, at least
    assert counts["entries"] == len(polib.pofile(str(LOCALE / "fr" / "LC_MESSAGES" / "django.po")))
    assert po.metadata["Language"] == language


@pytest.mark.parametrize("language", REVIEW_LANGUAGES)
def test_the_machine_translations_keep_the_placeholders(language):
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    french = polib.pofile(str(LOCALE / "fr" / "LC_MESSAGES" / "django.po"))
    assert catalogue_problems(po, french) == []


def test_catalogue_problems_names_unknown_msgids_and_changed_placeholders(tmp_path):
    reference = [polib.POEntry(msgid="Hello %(name)s"), polib.POEntry(msgid="Wallet")]
    edited = [polib.POEntry(msgid="Hello %(name)s", msgstr="Salama %(anarana)s"),
              polib.POEntry(msgid="Wallet", msgstr="Kitapom-bola"),
              polib.POEntry(msgid="Not ours", msgstr="x")]
    problems = catalogue_problems(edited, reference)
    assert len(problems) == 2
    assert "Hello %(name)s" in problems[0] and "Not ours" in problems[1]


def test_the_shipped_catalogues_compile(tmp_path):
    for language in REVIEW_LANGUAGES:
        target = tmp_path / language / "LC_MESSAGES"
        target.mkdir(parents=True)
        shutil.copy(LOCALE / language / "LC_MESSAGES" / "django.po", target / "django.po")
        assert catalogue_compile(target / "django.po") >= 350
