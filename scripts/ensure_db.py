"""Create the PostgreSQL database named in DATABASE_URL if it does not exist (used by make and
by the benchmarks, so a benchmark runs on a fresh machine with nothing prepared by hand)."""

import os
import sys

import environ
import psycopg


def ensure_database(url=None):
    url = url if url is not None else os.environ.get("DATABASE_URL", "")
    if "postgres" not in url:
        return False
    cfg = environ.Env.db_url_config(url)
    conninfo = dict(host=cfg.get("HOST") or "127.0.0.1", port=cfg.get("PORT") or 5432,
                    user=cfg.get("USER") or "postgres", password=cfg.get("PASSWORD") or None, dbname="postgres",
                    autocommit=True)
    with psycopg.connect(**{k: v for k, v in conninfo.items() if v is not None}) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone():
            return False
        conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')
        print(f"created database {cfg['NAME']}")
        return True


if __name__ == "__main__":
    ensure_database()
    sys.exit(0)
