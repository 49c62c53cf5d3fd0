"""Every hot path's benchmark in one run, and one table (issue 18): `make bench`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atelier_bench REDIS_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python bench/all.py [--quick]

Runs bench/ledger.py, bench/eventlog.py, bench/marketplace.py, bench/forums.py and
bench/batch_opening.py (Locust: `make bench` installs the `bench` extra) one after the other
(each against its own baseline in the same run, each in a database named after DATABASE_URL's
with its own suffix), reads the JSON line each prints last, and prints one
Markdown table: hot path, figure, baseline, ratio, goal, date and the load average while it
ran (figures taken on a loaded machine say so), each goal's verdict next to its figure, and the
wall time of each script and of the whole run: at most 15 minutes (`--budget`, seconds; a script
is stopped at what is left of it) on a 2-core machine, sizes in `plan` below and in
docs/benchmarks.md. `--quick` runs shorter rounds and smaller sizes (a smoke test, not figures
to publish). `--json FILE` keeps every figure."""

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def database(suffix):
    url = os.environ["DATABASE_URL"]
    base, _sep, name = url.rpartition("/")
    return f"{base}/{name.split('?')[0]}_{suffix}"


def run(script, args, suffix, timeout):
    env = {**os.environ, "DATABASE_URL": database(suffix)}
    started = time.time()
    load = os.getloadavg()[0]
    print(f"== {script} {' '.join(args)} ({env['DATABASE_URL']})", flush=True)
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / script), *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.terminate()  # SIGTERM: batch_opening.py stops the stack it started before it exits
        try:
            stdout, stderr = proc.communicate(timeout=45)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
        sys.stdout.write(stdout[-4000:] + stderr[-2000:])
        raise
    sys.stdout.write(stdout[-4000:])
    if proc.returncode != 0:
        sys.stdout.write(stderr[-4000:])
        return None
    last = [line for line in stdout.splitlines() if line.startswith("{")]
    figures = json.loads(last[-1]) if last else None
    if figures is not None:
        figures["_seconds"] = round(time.time() - started)
        figures["_load"] = f"{load:.1f}-{os.getloadavg()[0]:.1f}"
    return figures


def met(ok):
    """A goal's verdict, printed next to its figure."""
    return "**met**" if ok else "**not met**"


def goal(*parts):
    """`goal(("p95 < 50 ms", ok), ...)`: each goal with its verdict; None (no figure) says so."""
    return "; ".join(f"{text}: {'no figure' if ok is None else met(ok)}" for text, ok in parts)


def below(value, bound):
    return None if value is None else value < bound


def tpcb_cpu(m):
    """The claim's baseline as the machine spent it: CPU a TPC-B transaction and how busy the cores
    were (a baseline waiting on its WAL flushes leaves them idle: docs/benchmarks.md, session 11)."""
    cpu = [c for c in m.get("baseline_machine_cpu_ms_per_tx") or [] if c]
    busy = [b for b in m.get("baseline_machine_busy") or [] if b]
    if not (cpu and busy):
        return ""
    return f" (machine CPU {min(cpu)}-{max(cpu)} ms a transaction, cores busy {min(busy)}-{max(busy)})"


def rows(results, date):
    out = []
    m = results.get("marketplace")
    if m:
        machine = [c for c in m.get("machine_cpu_ms_per_claim_submit") or [] if c]
        out.append(("claim + submit (issue 18)", f"{m['claims_per_s']:,.0f}/s, p99 {m['claim_p99_ms']} ms, "
                    f"{m['duplicate_slots']} duplicates, cap exact: {m['cap_exact']}"
                    + (f"; machine CPU {min(machine)}-{max(machine)} ms a pair" if machine else ""),
                    f"pgbench TPC-B 4 clients {m['baseline_tpcb_tps']:,.0f} tx/s" + tpcb_cpu(m),
                    f"{m['claims_vs_tpcb']}×",
                    goal(("≥ 0.3×", m["claims_vs_tpcb"] >= 0.3), ("p99 < 50 ms", below(m["claim_p99_ms"], 50)),
                         ("0 duplicates, cap exact", m["duplicate_slots"] == 0 and m["cap_exact"])), m["_load"]))
        if "feed_p95_ms" in m:
            out.append((f"feed `GET /work/`, {m['feed_open_tasks']:,} open tasks in {m['feed_projects']} projects, "
                        f"{m.get('feed_cards', 50)} cards",
                        f"p95 {m['feed_p95_ms']} ms (p50 {m['feed_p50_ms']}); Django CPU {m.get('feed_cpu_ms')} ms "
                        "a request",
                        f"SELECT of the project rows p95 {m['feed_select_p95_ms']} ms", f"{m['feed_vs_select_p95']}×",
                        goal(("p95 < 50 ms", below(m["feed_p95_ms"], 50))), m["_load"]))
    ledger = results.get("ledger")
    if ledger:
        out.append(("escrow release (issue 6)", f"{ledger['escrow_release_tps']:,.0f} tx/s, p99 "
                    f"{ledger['escrow_release_p99_ms']} ms", f"pgbench TPC-B {ledger['baseline_pgbench_tpcb_tps']:,.0f}"
                    " tx/s", f"{ledger['ratio']}×", goal(("≥ 0.5×", ledger["ratio"] >= 0.5)), ledger["_load"]))
    ev = results.get("eventlog")
    if ev:
        out.append(("event record (issue 5)", f"{ev['event_record_per_s']:,}/s, sequencer lag p99 "
                    f"{ev['sequencer_lag_p99_ms']} ms", f"pgbench single-row INSERT {ev['pgbench_inserts_per_s']:,}/s",
                    f"{ev['ratio']}×", goal(("≥ 0.5×", ev["ratio"] >= 0.5),
                                            ("lag p99 < 1 s", below(ev["sequencer_lag_p99_ms"], 1000))), ev["_load"]))
    f = results.get("forums")
    if f:
        rss = f.get("server_rss_mb")
        out.append((f"forum fan-out, {f['clients']} sockets at {f['rate']:g} msg/s, {f['servers']} process",
                    f"p99 {f['latency_p99_ms']} ms, {f['delivered_total_pct']}% delivered"
                    + (f", {rss} MB per process" if rss else ""),
                    f"Redis pub/sub p99 {f['baseline_latency_p99_ms']} ms", f"{f['ratio_latency_p99']}× (p99)",
                    goal(("p99 < 250 ms", below(f["latency_p99_ms"], 250)), ("< 300 MB", below(rss, 300)),
                         ("100% delivered", None if f["delivered_total_pct"] is None
                          else f["delivered_total_pct"] >= 100)), f["_load"]))
    b = results.get("batch_opening")
    for policy, r in (b or {}).get("policies", {}).items():
        errors = sum(r["errors"].values())
        figure = (f"publish → last claim {r['publish_to_last_claim_s']} s, {r['claims_per_s']} claims/s, claim p50 "
                  f"{r['claim_p50_ms']} / p99 {r['claim_p99_ms']} ms, notice p99 {r['delivery_p99_ms']} ms, most per "
                  f"member {r['most_by_one_member_in_window']} (cap {r['fair_share_cap']}), top 10% won "
                  f"{r['top_10pct_share']:.0%}, {r['duplicate_slots']} duplicates, {r.get('shed_503', 0):,} shed "
                  f"(503, tried again), errors {errors}")
        if errors:
            figure += f" ({', '.join(f'{k}: {v}' for k, v in r['errors'].items())})"
        if policy == "fair_share":
            verdict = goal(("top 10% ≤ 15%", r["top_10pct_share"] <= 0.15),
                           ("most ≤ cap", r["fair_share_cap"] is not None
                            and r["most_by_one_member_in_window"] <= r["fair_share_cap"]),
                           ("0 errors", errors == 0), ("0 duplicates", r["duplicate_slots"] == 0))
        else:  # the contrast: no cap, the fastest take more
            verdict = goal(("0 errors", errors == 0), ("0 duplicates", r["duplicate_slots"] == 0)) + (
                " (the contrast to fair share: no cap)")
        out.append((f"batch opening over HTTP, {r['members']:,} members on sockets, {r['tasks']:,} tasks, {policy}"
                    + ("" if (r["members"], r["tasks"]) == (2000, 10_000) else " (smaller than the issue's 2,000 / "
                       "10,000)"),
                    figure, f"`GET /healthz` {b['baseline_healthz_rps']:,.0f} req/s", f"{r.get('vs_baseline')}× "
                    "(requests/s)", verdict, b["_load"]))
    lines = ["| hot path | figure | baseline (same run) | ratio | goal | load average | date |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    lines += [f"| {a} | {b} | {c} | {d} | {e} | {g} | {date} |" for a, b, c, d, e, g in out]
    missing = [name for name, value in results.items() if value is None]
    if missing:
        lines.append(f"\nFailed (no figures): {', '.join(missing)}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="marketplace,ledger,eventlog,forums,batch_opening")
    parser.add_argument("--json", help="write every figure to this file")
    parser.add_argument("--budget", type=float, default=900, help="seconds for the whole run (issue 18: 15 minutes)")
    parser.add_argument("--batch-sizes", default="2000x10000,800x4000",
                        help="members x tasks of the batch opening's fair_share run, then of its first_come contrast")
    parser.add_argument("--batch-bounds", default="360,180", help="seconds each of the two runs may take at most")
    args = parser.parse_args()
    if "postgres" not in os.environ.get("DATABASE_URL", "") or not os.environ.get("REDIS_URL"):
        sys.exit("make bench needs DATABASE_URL=postgres://... and REDIS_URL=redis://...")
    q = args.quick
    # Sizes (docs/benchmarks.md "make bench"): the where they fit in 15 minutes on a 2-core
    # machine. The batch opening's fair_share run at the full size (2,000 members on their
    # sockets, 10,000 single-slot tasks); its first_come contrast at 800 / 4,000 (the same 5 tasks a
    # member), which the table says: both at full size would not fit. Each run bounded (--batch-bounds).
    # Each script's own bound (seconds) is the last figure; none may run past what is left of --budget.
    plan = {
        "marketplace": ("marketplace.py", ["--rounds", "1" if q else "2", "--seconds", "5" if q else "10",
                                           "--tasks", "2000" if q else "4000", "--feed-open",
                                           "20000" if q else "100000", "--feed-requests", "100"], "market", 330),
        "ledger": ("ledger.py", ["--rounds", "1" if q else "2", "--seconds", "5" if q else "10"], "ledger", 150),
        "eventlog": ("eventlog.py", ["--seconds", "5" if q else "10", "--verify-size", "100000" if q else "200000"],
                     "eventlog", 180),
        "forums": ("forums.py", ["--clients", "100" if q else "500", "--senders", "20" if q else "50", "--rate", "2",
                                 "--duration", "10" if q else "15"], "forums", 200),
        "batch_opening": ("batch_opening.py", ["--policies", "fair_share,first_come",
                                               "--sizes", "100x500,100x500" if q else args.batch_sizes,
                                               "--bounds", "60,60" if q else args.batch_bounds], "batch", 660),
    }
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    started = time.time()
    results, seconds = {}, {}
    for name in args.only.split(","):
        script, script_args, suffix, timeout = plan[name]
        left = args.budget - (time.time() - started)
        if left < 30:
            print(f"{script}: skipped, {left:.0f} s left of the {args.budget:.0f} s budget", flush=True)
            results[name] = None
            continue
        step = time.time()
        try:
            results[name] = run(script, script_args, suffix, min(timeout, left - 20))
        except subprocess.TimeoutExpired:
            print(f"{script} did not finish in {min(timeout, left):.0f} s", flush=True)
            results[name] = None
        seconds[name] = round(time.time() - step)
        print(f"== {script}: {seconds[name]} s", flush=True)
    total = round(time.time() - started)
    if args.json:
        Path(args.json).write_text(json.dumps({**results, "_seconds": seconds, "_total_seconds": total}, indent=1))
    print()
    print(rows(results, date))
    print(f"\nWall time {total // 60} min {total % 60} s (goal ≤ 15 min: {met(total <= 900)}); each: "
          + ", ".join(f"{name} {s} s" for name, s in seconds.items()) + f"; load average at the end "
          f"{os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
