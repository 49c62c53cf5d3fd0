"""The test suite in parallel (pytest-xdist, `make test`'s TEST_WORKERS): worker gwN uses Redis
database base + N, since tests clear the cache (FLUSHDB) and channel group names repeat across
the workers' test databases (the channel layer's names carry the database number too:
coop/core/channel_names.py, since Redis pub/sub itself ignores it). The URL is written back to
the environment and marked, so a server a test starts (it inherits the environment) keeps that
database instead of moving again. Outside a pytest-xdist worker the URL is returned unchanged."""

import os
from collections.abc import MutableMapping
from urllib.parse import urlsplit, urlunsplit

MARK = "ATELIER_REDIS_WORKER_DB"


def redis_url(url: str, environ: MutableMapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    worker = environ.get("PYTEST_XDIST_WORKER", "")
    if not url or not worker.startswith("gw") or environ.get(MARK):
        return url
    parts = urlsplit(url)
    db = (int(parts.path.strip("/") or 0) + int(worker[2:])) % 16
    url = urlunsplit(parts._replace(path=f"/{db}"))
    environ["REDIS_URL"], environ[MARK] = url, str(db)
    return url
