"""The restore drill (docs/operations.md): dump the live database, restore the dump into a
new database, and prove the copy is the same books and the same log.

The fingerprint of the source is read in the very snapshot `pg_dump` dumps (an exported
snapshot held open by a REPEATABLE READ transaction), so a busy federation can be drilled
while it runs. On the copy, the event log is re-verified from its bytes (every leaf, the
chain, every checkpoint signature) and the ledger's books are checked (every transaction sums
to zero, every balance equals its postings, all balances sum to zero). Any difference or
failure is reported; nothing is written to the source."""

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

import psycopg

FINGERPRINT_SQL = {
    "events": "SELECT count(*) FROM eventlog_event",
    "sequenced": "SELECT count(*) FROM eventlog_sequenced",
    "chain_head": "SELECT encode(chain_hash, 'hex') FROM eventlog_sequenced ORDER BY position DESC LIMIT 1",
    "checkpoint": "SELECT size || ':' || encode(root, 'hex') FROM eventlog_checkpoint ORDER BY size DESC LIMIT 1",
    "transactions": "SELECT count(*) FROM ledger_transaction",
    "postings": "SELECT count(*) || ':' || COALESCE(sum(amount), 0) || ':' || COALESCE(sum(abs(amount)), 0) "
                "FROM ledger_posting",
    "balances": "SELECT md5(COALESCE(string_agg(account_id || '=' || amount, ',' ORDER BY account_id), '')) "
                "FROM ledger_balance",
    "assignments": "SELECT count(*) FROM tasks_assignment",
    "users": "SELECT count(*) FROM accounts_user",
}

# Run on the restored copy, in a separate process whose DATABASE_URL is the copy.
CHECK_COPY = """
import json, django
django.setup()
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from coop.eventlog.verify import verify_log
from ledger.models import Balance, Transaction

log = verify_log()
unbalanced = (Transaction.objects.annotate(t=Coalesce(Sum("postings__amount"), 0), n=Count("postings"))
              .filter(~Q(t=0) | Q(n__lt=2)).count())
off = sum(1 for b in Balance.objects.annotate(p=Coalesce(Sum("account__postings__amount"), 0)) if b.amount != b.p)
total = Balance.objects.aggregate(t=Coalesce(Sum("amount"), 0))["t"]
print(json.dumps({"log_ok": log.ok, "log_size": log.size, "log_problems": [p.message for p in log.problems][:5],
                  "unbalanced_transactions": unbalanced, "balances_off": off, "books_total": total}))
"""


@dataclass
class DrillResult:
    source: dict
    copy: dict
    checks: dict
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems


def fingerprint(cursor):
    values = {}
    for name, sql in FINGERPRINT_SQL.items():
        cursor.execute(sql)
        row = cursor.fetchone()
        values[name] = str(row[0]) if row and row[0] is not None else ""
    return values


def _server(settings_dict):
    """(user, password, host, port) of the database server, with libpq's defaults."""
    return (settings_dict.get("USER") or "postgres", settings_dict.get("PASSWORD") or "",
            settings_dict.get("HOST") or "127.0.0.1", str(settings_dict.get("PORT") or 5432))


def dsn(settings_dict, name=None):
    user, password, host, port = _server(settings_dict)
    parts = {"dbname": name or settings_dict["NAME"], "user": user, "host": host, "port": port}
    if password:
        parts["password"] = password
    return " ".join(f"{k}={v}" for k, v in parts.items())


def url(settings_dict, name):
    user, password, host, port = _server(settings_dict)
    return f"postgres://{user}{':' + password if password else ''}@{host}:{port}/{name}"


def run_drill(settings_dict, *, target, keep=False, base_dir=".", out=print):
    """Dump the database of `settings_dict`, restore it as `target`, compare and check."""
    user, password, host, port = _server(settings_dict)
    env = {**os.environ, "PGPASSWORD": password}
    common = ["-h", host, "-p", port, "-U", user]
    with tempfile.TemporaryDirectory() as tmp, psycopg.connect(dsn(settings_dict), autocommit=False) as source:
        dump = os.path.join(tmp, "atelier.dump")
        with source.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            before = fingerprint(cursor)
            out(f"dumping {settings_dict['NAME']} (snapshot {snapshot})")
            subprocess.run(["pg_dump", *common, "--format=custom", f"--snapshot={snapshot}", "--file", dump,
                            settings_dict["NAME"]], check=True, env=env)
        source.rollback()
        out(f"restoring into {target}")
        with psycopg.connect(dsn(settings_dict, "postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{target}"')
            admin.execute(f'CREATE DATABASE "{target}"')
        try:
            subprocess.run(["pg_restore", *common, "--no-owner", "--exit-on-error", "-d", target, dump],
                           check=True, env=env)
            with psycopg.connect(dsn(settings_dict, target)) as copy, copy.cursor() as cursor:
                after = fingerprint(cursor)
            out("verifying the copy (event log from its bytes, the ledger's books)")
            checked = subprocess.run([sys.executable, "-c", CHECK_COPY], cwd=base_dir, capture_output=True, text=True,
                                     env={**os.environ, "DATABASE_URL": url(settings_dict, target),
                                          "DJANGO_SETTINGS_MODULE": "coop.settings"}, check=False)
            if checked.returncode:
                raise RuntimeError("checking the copy failed: " + checked.stderr[-2000:])
            checks = json.loads(checked.stdout.strip().splitlines()[-1])
        finally:
            if not keep:
                with psycopg.connect(dsn(settings_dict, "postgres"), autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
    result = DrillResult(source=before, copy=after, checks=checks)
    for name in FINGERPRINT_SQL:
        if before[name] != after[name]:
            result.problems.append(f"{name}: source {before[name]!r}, copy {after[name]!r}")
    if not checks["log_ok"]:
        result.problems.append(f"the copy's event log does not verify: {checks['log_problems']}")
    if checks["log_size"] != int(before["sequenced"] or 0):
        result.problems.append(f"the copy's log has {checks['log_size']} positions, the source {before['sequenced']}")
    for name in ("unbalanced_transactions", "balances_off", "books_total"):
        if checks[name]:
            result.problems.append(f"the copy's books: {name} = {checks[name]}")
    return result
