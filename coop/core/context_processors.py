from django.conf import settings


def atelier(request):
    return {"FEDERATION_NAME": settings.FEDERATION_NAME, "CURRENCY": settings.FEDERATION_CURRENCY}
