"""Create the PostgreSQL database named in DATABASE_URL if it does not exist (used by make)."""

import os
import sys

import environ
import psycopg

url = os.environ.get("DATABASE_URL", "")
if "postgres" not in url:
    sys.exit(0)
cfg = environ.Env.db_url_config(url)
conninfo = dict(host=cfg.get("HOST") or "127.0.0.1", port=cfg.get("PORT") or 5432, user=cfg.get("USER") or "postgres",
                password=cfg.get("PASSWORD") or None, dbname="postgres", autocommit=True)
with psycopg.connect(**{k: v for k, v in conninfo.items() if v is not None}) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone():
        conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')
        print(f"created database {cfg['NAME']}")
