"""Translation at run time: a member's fallback language, and reloading catalogues without a
restart (issue 23, docs/languages-and-money.md).

**Fallback.** Django's `DjangoTranslation` for a language falls back to `LANGUAGE_CODE`
(English) for a string its catalogue lacks. A member may prefer French instead: `activate()`
makes the active translation a shallow copy of the language's own (the same catalogue, not a
second one in memory) whose fallback is the French translation, itself falling back to
English. It is built once per (language, fallback) and process, and rebuilt when Django's
cache of translations is reset (a reload, `override_settings(LOCALE_PATHS=...)`).

**Reload.** `reload()` forgets every compiled catalogue this process holds (gettext's cache of
.mo files, Django's translations, the chains above), as Django's autoreloader does when a .mo
file changes in development. Other server processes notice a changed .mo file by its
modification time (`reload_if_changed`, at most every `CHECK_SECONDS`)."""

import copy
import gettext
import os
import time
from pathlib import Path

from asgiref.local import Local
from django.conf import settings
from django.utils import translation
from django.utils.translation import trans_real

from coop.core.languages import DEFAULT_FALLBACK, FALLBACK_CHOICES

CHECK_SECONDS = 30

_chains = {}
_seen = {"at": 0.0, "mtimes": None}


def fallback_for(language, choice=""):
    """The language a reader of `language` sees where it has no translation: their choice
    (`en` or `fr`), or the language's usual one."""
    choice = choice if choice in FALLBACK_CHOICES else DEFAULT_FALLBACK.get(language, "en")
    return None if choice == language or language in FALLBACK_CHOICES else choice


def chain(language, fallback):
    """The translation of `language` that falls back to `fallback` (then English)."""
    base = trans_real.translation(language)
    if fallback is None or fallback == settings.LANGUAGE_CODE:
        return base
    key = (language, fallback)
    held = _chains.get(key)
    if held is not None and held[0] is base:
        return held[1]
    made = copy.copy(base)  # shares the catalogue: a string translated in `language` stays so
    made._fallback = None
    made.add_fallback(trans_real.translation(fallback))
    _chains[key] = (base, made)
    return made


def activate(language, fallback_choice=""):
    """`translation.activate(language)`, with the reader's fallback language behind it."""
    translation.activate(language)
    fallback = fallback_for(translation.get_language(), fallback_choice)
    if fallback is not None:
        trans_real._active.value = chain(translation.get_language(), fallback)


def catalogue_files():
    """The compiled catalogues of the shipped languages, in every locale path."""
    return [Path(path) / code / "LC_MESSAGES" / "django.mo"
            for path in settings.LOCALE_PATHS for code, _name in settings.LANGUAGES]


def _mtimes():
    found = {}
    for path in catalogue_files():
        try:
            found[str(path)] = os.stat(path).st_mtime_ns
        except OSError:
            found[str(path)] = None
    return found


def reload():
    """Forget every catalogue this process has loaded; the next string is read from the .mo
    files as they are now. The current request keeps its language."""
    current = translation.get_language()
    gettext._translations.clear()
    trans_real._translations = {}
    trans_real._default = None
    trans_real._active = Local()
    if hasattr(trans_real.check_for_language, "cache_clear"):  # an lru_cache in some Django versions
        trans_real.check_for_language.cache_clear()
    _chains.clear()
    _seen["mtimes"] = _mtimes()
    _seen["at"] = time.monotonic()
    if current:
        translation.activate(current)


def reload_if_changed(now=None):
    """Reload when a compiled catalogue changed since this process last looked (another process
    imported one). Looks at most every `CHECK_SECONDS`: a few `stat` calls, no query."""
    now = time.monotonic() if now is None else now
    if _seen["mtimes"] is None:
        _seen["mtimes"], _seen["at"] = _mtimes(), now
        return False
    if now - _seen["at"] < CHECK_SECONDS:
        return False
    _seen["at"] = now
    if _mtimes() != _seen["mtimes"]:
        reload()
        return True
    return False
