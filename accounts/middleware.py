"""A signed-in person's preferences applied to each request: times in their time zone, and
untranslated strings in their fallback language (both from their profile)."""

import zoneinfo

from django.utils import timezone, translation

from coop.core.translation import activate, reload_if_changed


class TimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            profile = getattr(user, "profile", None)
            name = profile.timezone if profile else None
        try:
            if name:
                timezone.activate(zoneinfo.ZoneInfo(name))
            else:
                timezone.deactivate()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        return self.get_response(request)


class LanguageFallbackMiddleware:
    """Where the page's language has no translation for a string, show it in the reader's
    fallback language (their profile's choice, or the language's usual one: French for
    Malagasy, English for the others) rather than always English (coop.core.translation).
    Also reloads the catalogues when another process imported one (a few `stat` calls every
    30 s, no query). After LocaleMiddleware (the language) and TimezoneMiddleware (which has
    read the profile already, so this costs no query)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reload_if_changed()
        choice = ""
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            profile = getattr(user, "profile", None)
            choice = profile.fallback_language if profile else ""
        activate(translation.get_language(), choice)
        return self.get_response(request)
