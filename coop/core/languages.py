"""The languages Atelier ships (issue 23, docs/languages-and-money.md), read by coop/settings.py.

Django knows `sw`, `es` and `pt` but has no locale information for Malagasy (`mg`): without it,
`get_language_info("mg")` raises KeyError and the language switcher breaks. Django's documented
remedy is to add the missing entry to `django.conf.locale.LANG_INFO` from the settings
(the "EXTRA_LANG_INFO" pattern); `extend_lang_info()` does that, once, at settings import.

English and French are written and reviewed by the developers (the French catalogue is kept
complete by tests/core/test_i18n.py). The four others were translated by machine: every entry
is `#, fuzzy` (needs review) in its .po file, compiled all the same so members read it, with a
note in the page footer (`REVIEW_LANGUAGES`) and a link to the stewards' "help translate" page."""

import django.conf.locale
from django.utils.translation import gettext_lazy as _

# (code, English name for the translators) in the switcher's order; the switcher shows each
# language's own name (`NATIVE_NAMES`), the same whatever language the page is in.
# The four new names are not msgids: requester-written titles ("Malagasy voice notes") are not
# marked translate="no" on every page yet, and tests/core/test_french_pages.py would take them
# for English UI strings. Django's get_language_info("mg")["name_translated"] reads "Malagasy".
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("mg", "Malagasy"), ("sw", "Swahili"),
             ("es", "Spanish"), ("pt", "Portuguese")]
NATIVE_NAMES = {"en": "English", "fr": "Français", "mg": "Malagasy", "sw": "Kiswahili", "es": "Español",
                "pt": "Português"}

# Catalogues made by machine: compiled with their fuzzy entries (compile_translations) and
# shown with a "machine translation, needs review" note.
REVIEW_LANGUAGES = ("mg", "sw", "es", "pt")

# When a string has no translation yet: the language a member reads instead, unless they chose
# otherwise in their profile (French in Madagascar, where it is the second official language).
FALLBACK_CHOICES = ("en", "fr")
DEFAULT_FALLBACK = {"mg": "fr"}

# The language whose catalogue a coop's stewards may edit on the "help translate" page: the
# language of the coop's country (ISO 3166 alpha-2), when Atelier ships one.
COUNTRY_LANGUAGE = {
    "MG": "mg",
    "KE": "sw", "TZ": "sw", "UG": "sw", "CD": "sw",
    "ES": "es", "VE": "es", "MX": "es", "CO": "es", "AR": "es", "PE": "es", "CL": "es", "EC": "es", "BO": "es",
    "GT": "es", "CU": "es", "DO": "es", "HN": "es", "PY": "es", "SV": "es", "NI": "es", "CR": "es", "PA": "es",
    "UY": "es",
    "PT": "pt", "BR": "pt", "AO": "pt", "MZ": "pt", "CV": "pt", "GW": "pt", "ST": "pt", "TL": "pt",
    "FR": "fr", "SN": "fr", "CI": "fr", "ML": "fr", "BF": "fr", "NE": "fr", "BJ": "fr", "TG": "fr", "CM": "fr",
    "GN": "fr", "BE": "fr", "CH": "fr", "HT": "fr",
}

# Django's LANG_INFO entry for Malagasy (the fields Django's own entries have).
EXTRA_LANG_INFO = {
    "mg": {"bidi": False, "code": "mg", "name": "Malagasy", "name_local": "Malagasy"},
}


def extend_lang_info():
    """Add `EXTRA_LANG_INFO` to Django's table of languages (idempotent; done when the settings
    import this module, before anything asks Django about a language)."""
    for code, info in EXTRA_LANG_INFO.items():
        django.conf.locale.LANG_INFO.setdefault(code, info)


extend_lang_info()
