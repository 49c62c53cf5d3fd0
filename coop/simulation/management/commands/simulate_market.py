"""manage.py simulate_market: run the market twice (Atelier's rules, then MTurk-like rules),
each in its own database made and dropped here, and write the report folder."""

import multiprocessing as mp
import resource
import signal
import sys
import time
import traceback

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from tqdm import tqdm

from coop.simulation import report
from coop.simulation.database import own_database
from coop.simulation.model import Config
from coop.simulation.run import simulate


def peak_memory_mib(who=resource.RUSAGE_SELF):
    """Peak resident memory of this process (or of its largest finished child), in MiB
    (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(who).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


class Command(BaseCommand):
    help = "Simulate the market on Atelier's real services and write a worker-welfare report (docs/simulation.md)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--members", type=int, default=1000)
        parser.add_argument("--requesters", type=int, default=20)
        parser.add_argument("--coops", type=int, default=3)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--out", default="var/simulation", help="the report folder (made if missing)")
        parser.add_argument("--markets", default="atelier,mturk",
                            help="which rule sets to run, comma-separated: atelier, mturk")
        parser.add_argument("--keep-db", action="store_true", help="keep each run's database (printed) to inspect it")
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument("--serial", dest="parallel", action="store_false",
                            help="run the markets one after the other (default: one process each, in parallel)")

    def handle(self, *args, **options):
        # a terminated run still drops its databases (the `finally` of own_database)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        markets = [m.strip() for m in options["markets"].split(",") if m.strip()]
        if not markets or set(markets) - {"atelier", "mturk"}:
            raise CommandError("--markets takes atelier, mturk or both")
        if min(options["days"], options["members"], options["requesters"], options["coops"]) < 1:
            raise CommandError("--days, --members, --requesters and --coops must be at least 1")
        started = time.monotonic()
        configs = [Config(days=options["days"], members=options["members"], requesters=options["requesters"],
                          coops=options["coops"], seed=options["seed"], rules=rules) for rules in markets]
        if options["parallel"] and len(configs) > 1:
            outcomes = self._in_processes(configs, options)
        else:
            outcomes = [_one_market(config, options, position=0) for config in configs]
        results, timings = [], {}
        for config, (figures, timing, kept) in zip(configs, outcomes, strict=True):
            if kept:
                self.stdout.write(f"{config.rules}: database kept: {kept}")
            results.append(figures)
            timings[config.rules] = timing
            self.stdout.write(f"{config.rules}: world built in {timing['build']:.1f} s, {config.days} days run in "
                              f"{timing['run']:.1f} s, figures read in {timing['collect']:.1f} s")
        elapsed = time.monotonic() - started
        peak = max(peak_memory_mib(), peak_memory_mib(resource.RUSAGE_CHILDREN))
        folder = report.write(options["out"], results, options=options, elapsed=elapsed, peak_mib=peak,
                              timings=timings)
        self.stdout.write(f"report: {folder}/index.html")
        for figures in results:
            for goal, value, target, passed, mechanism in figures.goals:
                line = f"[{figures.market}] {'PASS' if passed else 'FAIL'} {goal}: {value} (target {target})"
                if mechanism:
                    line += f" -- failed mechanism: {mechanism}"
                self.stdout.write(line)
        for figures in results:
            _market, size, root, chain = figures.tables["log_head"].rows[0]
            self.stdout.write(f"[{figures.market}] event log head: size {size}, root {root}, chain {chain}")
        self.stdout.write(f"total {elapsed:.1f} s wall, peak memory {peak:.0f} MiB (largest process)")

    def _in_processes(self, configs, options):
        """One process per market, each on its own database: the two markets share nothing, and
        the machine has two cores."""
        connections.close_all()  # a child must not inherit the parent's connection
        context = mp.get_context("fork")
        queue = context.Queue()
        children = [context.Process(target=_child, args=(config, options, position, queue))
                    for position, config in enumerate(configs)]
        for child in children:
            child.start()
        got = {}
        for _child_process in children:
            position, outcome = queue.get()
            if isinstance(outcome, str):
                for child in children:
                    child.join(5)
                raise CommandError(f"the {configs[position].rules} market failed:\n{outcome}")
            got[position] = outcome
        for child in children:
            child.join()
        return [got[i] for i in range(len(configs))]


def _one_market(config, options, *, position):
    bar = tqdm(total=config.days * 24, unit="h", desc=f"{config.rules} market", disable=options["no_progress"],
               file=sys.stderr, position=position, dynamic_ncols=True)
    with own_database(f"{config.rules}_{options['seed']}", keep=options["keep_db"]) as name:
        figures, timing = simulate(config, progress=bar.update)
    bar.close()
    timing["peak_mib"] = peak_memory_mib()
    return figures, timing, name if options["keep_db"] else ""


def _child(config, options, position, queue):
    try:
        queue.put((position, _one_market(config, options, position=position)))
    except BaseException:  # noqa: BLE001 - reported to the parent, which fails the command
        queue.put((position, traceback.format_exc()))
