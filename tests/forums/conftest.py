import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the shared cache (Redis in the PostgreSQL pass), which
    outlives the test database: start every test with none."""
    cache.clear()
    yield


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_database_url():
    """The URL of the test database pytest-django created (servers in other processes use it)."""
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


class AsgiServer:
    """uvicorn serving coop.asgi (HTTP and websockets) in its own process, on the test database."""

    def __init__(self, extra_env=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        env = {**os.environ, "DATABASE_URL": test_database_url(), "REDIS_URL": settings.REDIS_URL,
               "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "coop.settings",
               # the tests hash passwords with MD5 (fast); the server must check them
               "PASSWORD_HASHERS": ",".join(settings.PASSWORD_HASHERS), **(extra_env or {})}
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "coop.asgi:application", "--host", "127.0.0.1", "--port",
             str(self.port), "--log-level", "warning"],
            cwd=Path(settings.BASE_DIR), env=env,
        )
        deadline = time.monotonic() + 40
        while True:
            try:
                urllib.request.urlopen(self.url + "/", timeout=2).read()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("the ASGI server did not start")
                time.sleep(0.2)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture
def asgi_servers(transactional_db):
    """Start ASGI servers on demand: `asgi_servers(n, env)` → list of servers (stopped at the end)."""
    assert settings.DATABASE_IS_POSTGRES, "live ASGI servers need PostgreSQL (shared, committed data)"
    started = []

    def start(count=1, env=None):
        servers = [AsgiServer(env) for _ in range(count)]
        started.extend(servers)
        return servers

    yield start
    for server in started:
        server.stop()
