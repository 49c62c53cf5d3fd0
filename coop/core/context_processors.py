from django.conf import settings
from django.utils.functional import SimpleLazyObject


def atelier(request):
    def is_steward():
        from coop.federation.selectors import steward_membership

        user = getattr(request, "user", None)
        return bool(user and steward_membership(user=user))

    # Lazy: the query runs only when a template asks (the nav does, for signed-in users).
    return {"FEDERATION_NAME": settings.FEDERATION_NAME, "CURRENCY": settings.FEDERATION_CURRENCY,
            "NAV_STEWARD": SimpleLazyObject(is_steward)}
