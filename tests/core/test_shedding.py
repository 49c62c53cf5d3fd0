"""A bounded queue of HTTP requests per server process (coop/core/shedding.py): past the limit
a request is answered 503 with Retry-After at once, in the API's error shape or as a page in the
reader's language, and nothing of it reaches Django."""

import asyncio
import json

import pytest

from coop.core.shedding import InFlightLimit


class SlowApp:
    """An ASGI app that holds every request until `release` is set."""

    def __init__(self):
        self.release, self.started, self.calls = asyncio.Event(), 0, 0

    async def __call__(self, scope, receive, send):
        self.calls += 1
        self.started += 1
        await self.release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})


def _scope(path, headers=(), kind="http"):
    return {"type": kind, "path": path, "headers": [(k.encode(), v.encode()) for k, v in headers]}


async def _call(app, scope):
    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b""}

    await app(scope, receive, send)
    start = sent[0]
    return start["status"], dict(start.get("headers", [])), b"".join(m.get("body", b"") for m in sent[1:])


async def _fill(limited, inner, n):
    tasks = [asyncio.create_task(_call(limited, _scope("/api/work/"))) for _ in range(n)]
    while inner.started < n:
        await asyncio.sleep(0)
    return tasks


@pytest.mark.asyncio
async def test_past_the_limit_the_api_answers_busy_with_retry_after_and_django_is_not_called():
    inner = SlowApp()
    limited = InFlightLimit(inner, limit=2, retry_after=3)
    held = await _fill(limited, inner, 2)
    status, headers, body = await _call(limited, _scope("/api/projects/7/claim/"))
    assert status == 503 and headers[b"retry-after"] == b"3" and inner.calls == 2
    assert json.loads(body) == {"code": "busy", "message": "The service is busy right now. Nothing was changed: please "
                                "try again in a moment.", "extra": {"retry_after": 3}}
    assert limited.shed == 1
    inner.release.set()
    assert [r[0] for r in await asyncio.gather(*held)] == [200, 200]
    assert limited.in_flight == 0
    assert (await _call(limited, _scope("/api/work/")))[0] == 200  # room again


@pytest.mark.asyncio
async def test_a_page_past_the_limit_is_a_short_page_in_the_readers_language():
    inner = SlowApp()
    limited = InFlightLimit(inner, limit=1)
    held = await _fill(limited, inner, 1)
    status, headers, body = await _call(limited, _scope("/work/", [("accept-language", "fr-FR,fr;q=0.9")]))
    assert status == 503 and headers[b"content-type"].startswith(b"text/html") and headers[b"retry-after"] == b"1"
    page = body.decode()
    assert '<html lang="fr">' in page and "Rien n" in page and 'name="viewport"' in page
    status, _headers, body = await _call(limited, _scope("/work/", [("cookie", "django_language=en")]))
    assert status == 503 and "Nothing was changed" in body.decode()
    inner.release.set()
    await asyncio.gather(*held)


@pytest.mark.asyncio
async def test_healthz_websockets_and_a_limit_of_zero_are_never_shed():
    inner = SlowApp()
    limited = InFlightLimit(inner, limit=1)
    held = await _fill(limited, inner, 1)
    inner.release.set()  # what comes next runs at once
    assert (await _call(limited, _scope("/healthz")))[0] == 200
    await asyncio.gather(*held)
    off = InFlightLimit(SlowApp(), limit=0)
    off.app.release.set()
    results = await asyncio.gather(*(_call(off, _scope("/api/work/")) for _ in range(50)))
    assert {r[0] for r in results} == {200} and off.shed == 0
    seen = []

    async def socket_app(scope, receive, send):
        seen.append(scope["type"])

    gate = InFlightLimit(socket_app, limit=1)
    gate.in_flight = 1  # full
    await gate(_scope("/ws/work/", kind="websocket"), None, None)
    assert seen == ["websocket"]


def test_the_server_is_wrapped_with_the_settings_limit(settings):
    from coop.asgi import application

    http = application.application_mapping["http"]
    assert isinstance(http, InFlightLimit) and http.limit == settings.WEB_MAX_IN_FLIGHT == 64
