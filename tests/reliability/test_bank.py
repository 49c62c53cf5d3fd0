"""The bank under faults, in CI (issue 24): worker threads run a random mix of the
money-moving services and API calls (Idempotency-Keys, same-key replays and races) while a
fault thread terminates random backends of the test database with `pg_terminate_backend`
and the sequencer loop runs; then every invariant of the books is checked
(tests/reliability/bank.py, `invariants`; docs/reliability.md).

Bounded: `BANK_SECONDS` of work (default 20 s) for `BANK_WORKERS` threads (default 4), so
the whole test stays under 60 s. The seed is fixed (`BANK_SEED`, default 2424) and printed
with the figures on failure: `BANK_SEED=<seed> pytest tests/reliability/test_bank.py` runs the
same mix again (each worker's choices come from the seed; the interleaving and the faults'
timing cannot be replayed)."""

import os
import time

import pytest

from tests.reliability.bank import run_bank, unthrottled, world_build

SEED = int(os.environ.get("BANK_SEED", "2424"))
SECONDS = float(os.environ.get("BANK_SECONDS", "20"))
WORKERS = int(os.environ.get("BANK_WORKERS", "4"))
SIGNING_KEY = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"  # RFC 8032 test 1
BOUND = 60  # seconds for the whole test, set-up and checks included


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_bank_under_backend_kills_keeps_every_invariant(settings, request):
    settings.EVENTLOG_SIGNING_KEY = SIGNING_KEY
    settings.EVENTLOG_TRUSTED_PUBLIC_KEYS = []
    unthrottled(settings)
    started = time.monotonic()

    world = world_build(tag=f"ci{SEED}", members=12, orgs=3, projects=4)
    report = run_bank(seed=SEED, workers=WORKERS, seconds=SECONDS, world=world)
    took = time.monotonic() - started

    lines = report.lines() + [f"whole test {took:.1f} s; replay with BANK_SEED={SEED}"]
    request.node.add_report_section("call", f"bank seed {SEED}", "\n".join(lines))
    print("\n".join(lines))
    failed = [f"{name}: {detail}" for name, ok, detail in report.checks if not ok]
    assert not failed, f"bank BANK_SEED={SEED}: {len(failed)} invariant(s) failed:\n" + "\n".join(failed + lines)
    t = report.tracker
    assert t.faults > 0 and t.lost > 0, f"bank BANK_SEED={SEED}: no fault reached a worker ({t.faults} kills)"
    # A floor, not a speed test: on a machine at load 27 the 20 s still ran 46 operations.
    assert report.ops >= 10, f"bank BANK_SEED={SEED}: only {report.ops} operations ran"
    assert took < BOUND, f"bank BANK_SEED={SEED}: took {took:.0f} s, over its {BOUND} s bound"
