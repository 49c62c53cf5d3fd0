"""The "help translate" page's services (issue 23, docs/languages-and-money.md): a coop's
stewards download the catalogue of their coop's language, correct it with any .po editor
(Poedit, Lokalize, a text editor), and upload it back.

The language is the one of the coop's country (`COUNTRY_LANGUAGE`) when Atelier ships it;
English, the source language, has no catalogue to edit. An upload is checked whole with
polib before anything changes: a file that does not parse, names msgids Atelier does not
have, or changes a string's placeholders is refused with the reason, and the catalogue in
use stays as it was. An accepted file replaces the .po in the first of `LOCALE_PATHS`
(written to a temporary file, then renamed: readers never see half a file), is compiled,
and this process's translations are reloaded at once; other server processes reload within
30 s (coop.core.translation.reload_if_changed). Translations a steward reviewed lose their
`fuzzy` flag in their editor; those still flagged stay marked as awaiting review."""

import os
import tempfile
from pathlib import Path

import polib
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from coop.core.catalogues import catalogue_compile, catalogue_counts, catalogue_problems
from coop.core.errors import DomainError
from coop.core.languages import COUNTRY_LANGUAGE
from coop.core.translation import reload
from coop.eventlog.services import event_record
from coop.federation.access import stewardship_of
from coop.federation.errors import NotASteward
from coop.federation.models import Coop

MAX_UPLOAD_BYTES = 3 * 1024 * 1024


def coop_language(coop: Coop) -> str | None:
    """The shipped language (not English) whose catalogue `coop`'s stewards may edit, or None."""
    code = COUNTRY_LANGUAGE.get((coop.country or "").upper())
    return code if code in dict(settings.LANGUAGES) and code != settings.LANGUAGE_CODE else None


def catalogue_path(language: str) -> Path:
    return Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES" / "django.po"


def _steward_language(steward):
    stewardship = stewardship_of(steward)
    if stewardship is None:
        raise NotASteward()
    language = coop_language(stewardship.coop)
    if language is None:
        raise DomainError("no_coop_language", _("Atelier has no catalogue in your coop's language yet; "
                                                "the federation operator can start one."))
    return stewardship.coop, language


def catalogue_for_steward(*, steward: User) -> tuple[Coop, str, dict]:
    """The steward's coop, its language and the counts of its catalogue (a read)."""
    coop, language = _steward_language(steward)
    path = catalogue_path(language)
    counts = catalogue_counts(polib.pofile(str(path))) if path.exists() else None
    return coop, language, counts


def catalogue_export(*, steward: User) -> tuple[str, bytes]:
    """(file name, the .po as it is now). A read: records no event."""
    _coop, language = _steward_language(steward)
    path = catalogue_path(language)
    if not path.exists():
        raise DomainError("no_catalogue", _("There is no catalogue for this language yet."))
    return f"atelier-{language}.po", path.read_bytes()


def _parse(content):
    if len(content) > MAX_UPLOAD_BYTES:
        raise DomainError("po_too_large", _("This file is larger than 3 MB: it is not an Atelier catalogue."))
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise DomainError("po_not_utf8", _("Save the file as UTF-8 and upload it again."))
    if "\x00" in text:
        raise DomainError("po_invalid", _("This file is not a .po catalogue."))
    try:
        return polib.pofile(text, check_for_duplicates=True)
    except (OSError, ValueError) as exc:
        raise DomainError("po_invalid", _("This file is not a valid .po catalogue: %(error)s") % {"error": exc})


@transaction.atomic
def catalogue_import(*, steward: User, content: bytes) -> dict:
    """Check an edited catalogue of the steward's coop's language and, if it is sound, put it
    in use (compile, reload). Refused whole, with the reasons in `extra["problems"]`, else.
    Records `translation.imported` with the catalogue's counts. The file write is not part of
    the database transaction: it happens last, after every check, and is atomic itself."""
    coop, language = _steward_language(steward)
    po = _parse(content)
    declared = (po.metadata.get("Language") or language).replace("-", "_").split("_")[0].lower()
    if declared != language:
        raise DomainError("po_wrong_language", _("This catalogue is for “%(found)s”; your coop's language is "
                                                 "“%(language)s”.") % {"found": declared, "language": language})
    path = catalogue_path(language)
    reference = polib.pofile(str(path)) if path.exists() else []
    problems = catalogue_problems(po, reference)
    if problems:
        raise DomainError("po_problems", _("The catalogue was not changed: %(first)s") % {"first": problems[0]},
                          {"problems": [str(p) for p in problems]})
    counts = catalogue_counts(po)
    if counts["entries"] == 0:
        raise DomainError("po_empty", _("This catalogue has no entries."))
    event_record(type="translation.imported", coop=coop, actor=steward, subject=coop,
                 payload={"language": language, **counts})
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".po.tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(str(po) if str(po).endswith("\n") else f"{po}\n")
    os.replace(tmp, path)
    catalogue_compile(path)
    reload()
    return {"language": language, **counts}
