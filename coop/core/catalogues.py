"""The .po catalogues as files: compiling them (with polib: no gettext tools needed to run
Atelier) and checking one a person edited (issue 23, docs/languages-and-money.md).

**Fuzzy entries.** `msgfmt` leaves out entries flagged `fuzzy` unless `--use-fuzzy`. The
languages made by machine (`REVIEW_LANGUAGES`) are compiled with their fuzzy entries, as
`--use-fuzzy` would, so members read them (the footer says they await review), except the
guesses `msgmerge` makes for a changed msgid: those carry the old msgid (`#| msgid`) and may
say something else entirely, so they fall back like an untranslated string. Every other
language (French) is compiled without its fuzzy entries, as msgfmt does."""

import re
from pathlib import Path

import polib
from django.utils.translation import gettext as _

from coop.core.languages import REVIEW_LANGUAGES

PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]")
MAX_PROBLEMS = 8


def language_of(po_path):
    """`locale/mg/LC_MESSAGES/django.po` -> "mg"."""
    return Path(po_path).parent.parent.name


def shown_entries(po, language):
    """The entries a compiled catalogue of `language` holds."""
    use_fuzzy = language in REVIEW_LANGUAGES
    for entry in po:
        if entry.obsolete:
            continue
        if entry.translated():
            yield entry
        elif use_fuzzy and entry.fuzzy and not entry.previous_msgid and (
                entry.msgstr or any(entry.msgstr_plural.values())):
            yield entry


def catalogue_compile(po_path):
    """Write the .mo beside `po_path`; returns how many entries it holds."""
    po = polib.pofile(str(po_path))
    shown = list(shown_entries(po, language_of(po_path)))
    for entry in shown:
        if entry.fuzzy:
            entry.flags.remove("fuzzy")  # in memory only: the .po keeps its flag
    po.save_as_mofile(str(Path(po_path).with_suffix(".mo")))
    return len(shown)


def catalogue_counts(po):
    """{entries, translated, fuzzy, untranslated} of a catalogue."""
    live = [e for e in po if not e.obsolete]
    fuzzy = sum(1 for e in live if e.fuzzy)
    translated = sum(1 for e in live if e.translated())
    return {"entries": len(live), "translated": translated, "fuzzy": fuzzy,
            "untranslated": len(live) - translated - fuzzy}


def _placeholders(text):
    return sorted(PLACEHOLDER.findall(text or ""))


def catalogue_problems(po, reference):
    """What is wrong with `po` (an edited catalogue) against `reference` (the one in use):
    msgids the project does not have, and translations whose placeholders differ from their
    msgid's (a placeholder the msgid lacks fails when the string is shown). A list of
    sentences, at most `MAX_PROBLEMS`."""
    known = {(e.msgctxt, e.msgid) for e in reference if not e.obsolete}
    problems = []
    for entry in po:
        if entry.obsolete:
            continue
        if (entry.msgctxt, entry.msgid) not in known:
            problems.append(_("This msgid is not one of Atelier's: %(msgid)s") % {"msgid": entry.msgid[:80]})
            continue
        allowed = set(_placeholders(entry.msgid)) | set(_placeholders(entry.msgid_plural))
        texts = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        wrong = any(set(_placeholders(t)) - allowed for t in texts if t) or (
            not entry.msgid_plural and entry.msgstr and _placeholders(entry.msgstr) != _placeholders(entry.msgid))
        if wrong:
            problems.append(_("The placeholders (%%(name)s) differ from the English: %(msgid)s")
                            % {"msgid": entry.msgid[:80]})
    return problems[:MAX_PROBLEMS]
