import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from coop.ops.drill import FINGERPRINT_SQL, run_drill


class Command(BaseCommand):
    help = ("Dump this PostgreSQL database, restore it into a new database, re-verify the event log and "
            "the ledger on the copy, and compare them with the source. Exit status 1 on any difference.")

    def add_arguments(self, parser):
        parser.add_argument("--target", help="Name of the database to restore into (default: <name>_drill).")
        parser.add_argument("--keep", action="store_true", help="Keep the restored database.")

    def handle(self, *args, target=None, keep=False, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The restore drill needs PostgreSQL (DATABASE_URL=postgres://...).")
        db = connection.settings_dict
        target = target or f"{db['NAME']}_drill"
        if target == db["NAME"]:
            raise CommandError("The target must be a new database, not the source.")
        started = time.monotonic()
        result = run_drill(db, target=target, keep=keep, base_dir=settings.BASE_DIR, out=self.stdout.write)
        for name in FINGERPRINT_SQL:
            mark = "=" if result.source[name] == result.copy[name] else "≠"
            self.stdout.write(f"  {name:<13} {result.source[name][:40]:<42} {mark} {result.copy[name][:40]}")
        self.stdout.write(f"  event log on the copy: {'verified' if result.checks['log_ok'] else 'FAILED'} "
                          f"({result.checks['log_size']} positions)")
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"Restore drill passed in {time.monotonic() - started:.1f} s."))
            return
        for problem in result.problems:
            self.stdout.write(self.style.ERROR(problem))
        sys.exit(1)
