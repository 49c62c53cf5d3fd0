"""ASGI entry point: HTTP through Django, websockets through Channels.

Each app that has websocket consumers lists them in `<app>/routing.py` as
`websocket_urlpatterns`; they are collected here."""

import os
import warnings
from importlib import import_module

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coop.settings")
# WhiteNoise serves static files with a synchronous iterator; under ASGI Django warns on every
# file. Harmless (the files are small and cached by browsers), so keep the console readable.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous iterators")
django_asgi_app = get_asgi_application()  # before importing consumers or models

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from coop.core.shedding import InFlightLimit  # noqa: E402

WEBSOCKET_APPS = ["coop.forums", "tasks"]


def _websocket_urlpatterns():
    patterns = []
    for app in WEBSOCKET_APPS:
        try:
            module = import_module(f"{app}.routing")
        except ModuleNotFoundError:
            continue
        patterns += getattr(module, "websocket_urlpatterns", [])
    return patterns


application = ProtocolTypeRouter(
    {
        # a bounded queue of HTTP requests per process: past it, 503 + Retry-After at once
        "http": InFlightLimit(django_asgi_app, limit=settings.WEB_MAX_IN_FLIGHT, retry_after=settings.WEB_RETRY_AFTER),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(_websocket_urlpatterns()))),
    }
)
