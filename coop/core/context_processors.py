from django.conf import settings
from django.utils.functional import SimpleLazyObject

from coop.federation.roles import nav_for


def atelier(request):
    def nav():
        return nav_for(request)

    # Lazy: the query runs only when a template asks (the header does, for signed-in users).
    return {"FEDERATION_NAME": settings.FEDERATION_NAME, "CURRENCY": settings.FEDERATION_CURRENCY,
            "NAV": SimpleLazyObject(nav)}
