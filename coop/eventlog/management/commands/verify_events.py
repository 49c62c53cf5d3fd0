import sys
import time

from django.core.management.base import BaseCommand

from coop.eventlog.verify import verify_log


class Command(BaseCommand):
    help = ("Re-hash the whole event log from the stored bytes, rebuild its Merkle head and check every "
            "checkpoint's signature. Prints the first bad position; exit status 1 on failure.")

    def handle(self, *args, **options):
        started = time.perf_counter()
        result = verify_log()
        elapsed = time.perf_counter() - started
        rate = result.size / elapsed if elapsed else 0
        if result.ok:
            self.stdout.write(self.style.SUCCESS(
                f"OK: {result.size} events, {result.checkpoints} checkpoints verified in {elapsed:.2f} s "
                f"({rate:,.0f} events/s)."))
            return
        self.stdout.write(self.style.ERROR(f"FAILED: first bad position {result.first_bad_position}"))
        for problem in result.problems:
            self.stdout.write(f"  position {problem.position}: {problem.message}")
        sys.exit(1)
