"""The simulation's own database, made before a run and dropped after it, and the settings a
run needs (jobs counted not run, no email, a throwaway signing key). The project's database
is never touched: the connection is pointed at the new one (as Django's test runner does)."""

import hashlib
import logging
import os
import tempfile
from contextlib import contextmanager

from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django_q.conf import Conf

TEST_KEY = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"  # RFC 8032 test 1


def _pg_admin(settings_dict):
    import psycopg  # only on PostgreSQL

    params = {"host": settings_dict.get("HOST") or "127.0.0.1", "port": settings_dict.get("PORT") or 5432,
              "user": settings_dict.get("USER") or "postgres", "password": settings_dict.get("PASSWORD") or None,
              "dbname": "postgres", "autocommit": True}
    return psycopg.connect(**{k: v for k, v in params.items() if v not in (None, "")})


@contextmanager
def own_database(label, *, keep=False):
    """Point every connection at a new database named after the project's (`<name>_sim_<label>`
    on PostgreSQL, a temporary file on SQLite), migrate it, and drop it afterwards."""
    aliases = [alias for alias in connections if alias in ("default", "replica")]
    originals = {alias: dict(connections[alias].settings_dict) for alias in aliases}
    default = originals["default"]
    postgres = connections["default"].vendor == "postgresql"
    for alias in aliases:
        connections[alias].close()
    if postgres:
        name = f"{default['NAME']}_sim_{label}"
        with _pg_admin(default) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
    else:
        handle, name = tempfile.mkstemp(prefix=f"atelier_sim_{label}_", suffix=".sqlite3")
        os.close(handle)
    for alias in aliases:
        connections[alias].settings_dict["NAME"] = name
        if not postgres:
            # a throwaway file: no fsync (WAL as the project's own database)
            connections[alias].settings_dict["OPTIONS"] = {
                **connections[alias].settings_dict.get("OPTIONS", {}),
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA foreign_keys=ON;"}
    try:
        call_command("migrate", verbosity=0, interactive=False)
        yield name
    finally:
        for alias in aliases:
            connections[alias].close()
            connections[alias].settings_dict.clear()
            connections[alias].settings_dict.update(originals[alias])
        if not keep:
            if postgres:
                with _pg_admin(default) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            else:
                for suffix in ("", "-wal", "-shm"):
                    if os.path.exists(name + suffix):
                        os.remove(name + suffix)


SETTINGS = ("EMAIL_BACKEND", "EVENTLOG_SIGNING_KEY", "DEBUG", "PSEUDONYM_SECRET", "API_KEY_SECRET", "THROTTLE_CACHE",
            "ALLOWED_HOSTS")


@contextmanager
def simulation_settings(*, seed=0):
    """Jobs queued on commit are counted, not run (coop.simulation.broker); no email leaves;
    the event log is signed with a throwaway key if the installation has none; no query log;
    the secrets that key workers' pseudonyms and members' key hashes derive from the seed (the
    same seed, the same rows); request rates are counted in this process's memory (the member
    API's requests come from here: coop.simulation.api)."""
    saved_q = (Conf.SYNC, Conf.BROKER_CLASS)
    request_log = logging.getLogger("django.request")  # a refused claim is a market answer, not a warning
    saved_level = request_log.level
    request_log.setLevel(logging.ERROR)
    saved = {name: getattr(settings, name) for name in SETTINGS}
    Conf.SYNC, Conf.BROKER_CLASS = False, "coop.simulation.broker.Counting"
    settings.DEBUG = False  # no query log: DEBUG's cursor times and keeps every statement (~4 % of a run)
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    if not settings.EVENTLOG_SIGNING_KEY and not settings.EVENTLOG_DEV_KEY_FILE:
        settings.EVENTLOG_SIGNING_KEY = TEST_KEY
    settings.PSEUDONYM_SECRET = hashlib.sha256(f"atelier:simulation:{seed}:pseudonyms".encode()).hexdigest()
    settings.API_KEY_SECRET = hashlib.sha256(f"atelier:simulation:{seed}:api-keys".encode()).hexdigest()
    settings.THROTTLE_CACHE = "local"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the in-process API client's host
    try:
        yield
    finally:
        Conf.SYNC, Conf.BROKER_CLASS = saved_q
        request_log.setLevel(saved_level)
        for name, value in saved.items():
            setattr(settings, name, value)
