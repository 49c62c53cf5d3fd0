"""What API-key authentication costs per request, against a session request in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atelier_requesters .venv/bin/python bench/api_keys.py

Migrates that database and loads the demo (idempotent), then, in one process with Django's
test client (no network), times N GETs of /api/requester/organisation/:
(a) baseline: logged in with a session (cookie → session row → user);
(b) with the demo API key in `Authorization: Bearer …` (digest → one indexed query, plus the
    last-used UPDATE at most once a minute);
(c) the keyed digest alone (HMAC-SHA256), per call.
Ratio = (b) requests/s ÷ (a) requests/s. The last line printed is one JSON object.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coop.settings")


def main():
    from scripts.ensure_db import ensure_database

    ensure_database()  # a fresh machine: create the database named in DATABASE_URL
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=2000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from accounts.demo import OWNER, demo_key_randomness
    from accounts.keys import api_key_generate, secret_digest
    from accounts.models import User

    settings.ALLOWED_HOSTS = ["*"]
    # measure authentication, not the rate limits (docs/security.md "Throttling")
    settings.THROTTLE_RATES = {scope: None for scope in settings.THROTTLE_RATES}
    call_command("migrate", verbosity=0)
    call_command("createcachetable")
    call_command("seed_demo", "--quiet")
    secret, _prefix = api_key_generate(randomness=demo_key_randomness())
    url = "/api/requester/organisation/"

    session = Client()
    session.force_login(User.objects.get(email=OWNER[0]))
    keyed = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    def rate(client):
        assert client.get(url).status_code == 200  # warm up, check
        start = time.perf_counter()
        for _ in range(args.n):
            client.get(url)
        return args.n / (time.perf_counter() - start)

    baseline = rate(session)
    with_key = rate(keyed)
    start = time.perf_counter()
    for _ in range(100_000):
        secret_digest(secret)
    digest_us = (time.perf_counter() - start) / 100_000 * 1e6

    figures = {
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "requests": args.n,
        "session_rps": round(baseline, 1),
        "api_key_rps": round(with_key, 1),
        "ratio_key_to_session": round(with_key / baseline, 2),
        "digest_us": round(digest_us, 2),
    }
    print(f"session auth : {baseline:8.1f} req/s (baseline)")
    print(f"API key auth : {with_key:8.1f} req/s  ratio {with_key / baseline:.2f}")
    print(f"keyed digest : {digest_us:8.2f} µs per call")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
