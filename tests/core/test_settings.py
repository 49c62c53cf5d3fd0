"""Production safety: with DEBUG off, settings refuse the development secret and harden cookies."""

import json
import os
import subprocess
import sys

from django.conf import settings

PROBE = ("import json, coop.settings as s; print(json.dumps({k: getattr(s, k, None) for k in "
         "['DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_CONTENT_TYPE_NOSNIFF', 'ALLOWED_HOSTS']}"
         " | {'storage': s.STORAGES['staticfiles']['BACKEND'], 'whitenoise': 'whitenoise.middleware."
         "WhiteNoiseMiddleware' in s.MIDDLEWARE}))")


def run_settings(**env):
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")}
    return subprocess.run([sys.executable, "-c", PROBE], cwd=settings.BASE_DIR, env=clean | env,
                          capture_output=True, text=True, timeout=60)


def test_debug_off_with_the_default_secret_key_refuses_to_start():
    result = run_settings(DEBUG="false")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY must be set" in result.stderr


def test_debug_off_with_a_real_secret_is_hardened():
    result = run_settings(DEBUG="false", SECRET_KEY="x" * 60, ALLOWED_HOSTS="atelier.example")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DEBUG"] is False and values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] and values["ALLOWED_HOSTS"] == ["atelier.example"]
    assert values["storage"].startswith("whitenoise.") and values["whitenoise"]


def test_debug_on_by_default_for_a_laptop():
    result = run_settings()
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["DEBUG"] is True
