#!/usr/bin/env bash
# The restore drill (docs/operations.md): with DATABASE_URL set to the production database
# (or a replica), dump it, restore into a new database, re-verify the event log and the
# ledger on the copy, compare with the source; exit 1 on any difference. Run it monthly, and
# after every change to the backup set-up.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database to drill}"
exec .venv/bin/python manage.py restore_drill "$@"
