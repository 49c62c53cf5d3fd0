from django.conf import settings
from django.utils.functional import SimpleLazyObject


def atelier(request):
    def nav():
        from coop.core.roles import nav_for

        return nav_for(request)

    # Lazy: the query runs only when a template asks (the header does, for signed-in users).
    return {"FEDERATION_NAME": settings.FEDERATION_NAME, "CURRENCY": settings.FEDERATION_CURRENCY,
            "NAV": SimpleLazyObject(nav)}
