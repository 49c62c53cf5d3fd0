"""Production start (issue 15, leak 13): `make prod-run` collects static files itself, the
documented production settings pass `check --deploy`, pages carry HSTS and a strict
Content-Security-Policy, and no page has inline script or style for it to block."""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.urls import reverse

from tests.core.test_api_fuzz import fill_route, page_routes
from tests.factories import CoopFactory, member, operator, published_project, steward

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+=", re.I)


def production_env(tmp_path, **extra):
    """The environment README.md and docs/security.md document for production."""
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DEBUG")}
    env.update(DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50), PSEUDONYM_SECRET=secrets.token_urlsafe(40),
               ALLOWED_HOSTS="atelier.example,127.0.0.1", EVENTLOG_SIGNING_KEY=secrets.token_hex(32),
               EMAIL_URL="smtp+tls://user:password@smtp.example:587", STATIC_ROOT=str(tmp_path / "static"))
    env.update(extra)
    return env


# --- the Content-Security-Policy on every page ---------------------------------------------

@pytest.mark.django_db
def test_pages_carry_a_strict_csp_and_no_inline_script_or_style(client):
    coop = CoopFactory()
    project = published_project(coop, tasks=1)
    users = {"member": member(coop).user, "steward": steward(coop).user, "owner": project.organisation.owner,
             "operator": operator()}
    seen = 0
    for name, user in [("anonymous", None)] + list(users.items()):
        client.logout()
        if user:
            client.force_login(user)
        for route in page_routes():
            response = client.get(fill_route(route, str(project.pk)))
            if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
                continue
            seen += 1
            csp = response["Content-Security-Policy"]
            assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
            assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
            html = response.content.decode()
            where = (name, route)
            assert not INLINE_SCRIPT.search(html), (where, INLINE_SCRIPT.search(html).group(0))
            assert not INLINE_STYLE.search(html), (where, html[INLINE_STYLE.search(html).start() - 80:][:200])
            assert not INLINE_HANDLER.search(html), (where, INLINE_HANDLER.search(html).group(0))
    assert seen > 40


@pytest.mark.django_db
def test_the_api_docs_load_swagger_from_this_site_without_inline_code(client):
    response = client.get(reverse("api-docs"))
    html = response.content.decode()
    assert response.status_code == 200 and "cdn.jsdelivr.net" not in html
    assert not INLINE_SCRIPT.search(html) and not INLINE_STYLE.search(html)
    script = re.search(r'<script src="([^"]*\?[^"]*script[^"]*)"', html).group(1).replace("&amp;", "&")
    js = client.get(script)
    assert js.status_code == 200 and js["Content-Type"].startswith("application/javascript")


# --- check --deploy and the production start -------------------------------------------------

def test_check_deploy_is_clean_with_the_documented_production_settings(tmp_path):
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=settings.BASE_DIR, env=production_env(tmp_path), capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def probe(url, **headers):
    """A load balancer's or scraper's request: plain HTTP, no X-Forwarded-Proto."""
    request = urllib.request.Request(url, headers={"Host": "atelier.example", **headers})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def fetch(url):
    request = urllib.request.Request(url, headers={"Host": "atelier.example", "X-Forwarded-Proto": "https"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.headers, response.read()  # case-insensitive


@pytest.mark.django_db(transaction=True)
def test_make_prod_run_collects_static_checks_and_serves_pages(tmp_path):
    """`make prod-run` on the (migrated) test database, DEBUG off, STATIC_ROOT empty: it
    collects static files itself, then pages and their CSS answer 200 through WhiteNoise."""
    port = free_port()
    db = settings.DATABASES["default"]
    if settings.DATABASE_IS_POSTGRES:
        url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    else:
        url = f"sqlite:///{db['NAME']}"
    env = production_env(tmp_path, DATABASE_URL=url, PORT=str(port), Q_WORKERS="1", WEB_CONCURRENCY="2",
                         METRICS_TOKEN="scrape-token-123")
    log = open(tmp_path / "prod-run.log", "w+")
    proc = subprocess.Popen(["make", "--no-print-directory", "prod-run"], cwd=settings.BASE_DIR, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.time() + 240
        while True:
            assert proc.poll() is None, (tmp_path / "prod-run.log").read_text()
            try:
                status, headers, body = fetch(f"http://127.0.0.1:{port}/accounts/login/")
                break
            except OSError:
                assert time.time() < deadline, (tmp_path / "prod-run.log").read_text()
                time.sleep(1)
        assert status == 200
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        css = re.search(rb'href="(/static/css/atelier\.[0-9a-f]+\.css)"', body).group(1).decode()
        status, headers, _ = fetch(f"http://127.0.0.1:{port}{css}")
        assert status == 200 and headers["Content-Type"].startswith("text/css")
        assert fetch(f"http://127.0.0.1:{port}/")[0] == 200
        assert (tmp_path / "static" / "staticfiles.json").exists()
        # The probes answer over plain HTTP (no redirect to HTTPS), the metrics only with the
        # token, aggregated over both server processes.
        assert probe(f"http://127.0.0.1:{port}/healthz") == (200, b'{"status": "ok"}')
        deadline = time.time() + 60
        while (ready := probe(f"http://127.0.0.1:{port}/readyz"))[0] != 200:
            assert time.time() < deadline, ready
            time.sleep(1)
        assert probe(f"http://127.0.0.1:{port}/metrics")[0] == 404
        status, text = probe(f"http://127.0.0.1:{port}/metrics", Authorization="Bearer scrape-token-123")
        assert status == 200 and b'atelier_request_seconds_count{method="GET",view="login"}' in text
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
