"""The report folder: one CSV per table (both markets' rows together), the raw event counts,
and index.html with the figures (coop.simulation.charts)."""

import csv
import html
import io
from pathlib import Path

from coop.core.csv import SafeWriter
from coop.simulation import charts
from coop.simulation.model import MTURK_NOT_IN_RULEBOOK


def csv_text(table_name, results):
    """One table's CSV over every market, as text, through the project's one CSV writer."""
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    header = None
    for figures in results:
        table = figures.tables[table_name]
        if header is None:
            header = table.header
            writer.writerow(header)
        writer.writerows(table.rows)
    return buffer.getvalue()


def write(out, results, *, options, elapsed, peak_mib, timings):
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    names = list(results[0].tables)
    for name in names:
        (folder / f"{name}.csv").write_text(csv_text(name, results), encoding="utf-8")
    images = charts.draw(folder, results)
    (folder / "index.html").write_text(page(results, names, images, options=options, elapsed=elapsed,
                                            peak_mib=peak_mib, timings=timings), encoding="utf-8")
    return folder


def _table_html(table_name, results):
    rows = list(csv.reader(io.StringIO(csv_text(table_name, results))))
    head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows[1:])
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


SECTIONS = [
    ("earnings", "Effective hourly earnings (measured time, not the estimate)",
     "Per member: pay for tasks and tests ÷ every hour spent on them, paid or not (rejected, returned and expired "
     "work included). Median and p10 over members who worked at least a quarter hour; the share of paid hours at "
     "or above the floor in force for the assignment (and against the Atelier coop's floor, for the MTurk-like "
     "market)."),
    ("floor_misses", "Where paid hours fall under the floor",
     "Paid hours per requester behaviour and member behaviour, and the hours paid under the floor in force (reward "
     "÷ measured time)."),
    ("unpaid_minutes", "Unpaid minutes", "Qualification tests paid nothing, work returned or expired, rejected "
                                         "work before appeals (every rejection) and after (rejections that stood)."),
    ("fair_share", "The fastest 10 % during the fair-share window",
     "Fastest 10 %: members with the lowest median of (their time ÷ the project's median time), from the records. "
     "Share of each batch's slots they claimed within the window (60 minutes for first_come coops, for "
     "comparison)."),
    ("rejections", "Rejections and appeal outcomes per requester behaviour", ""),
    ("appeals", "Appeals", "Hours since the start of the run; an overturned appeal's release happens in the "
                           "decision's own transaction."),
    ("brake", "The mass-rejection brake", "Engagements (events), rejections it froze, and what stewards did."),
    ("jurors", "Juror load and pay", ""),
    ("funds", "Treasury, juror fund and federation fee balances, day by day", ""),
    ("payouts", "Time to payout", "From the member's request to the steward's settlement (stewards work twice a "
                                  "day)."),
    ("events", "Raw event counts", ""),
    ("calls", "Service calls made by the simulation, and refusals by code", ""),
]


def page(results, names, images, *, options, elapsed, peak_mib, timings):
    goals = []
    for figures in results:
        for goal, value, target, passed, mechanism in figures.goals:
            cls = "pass" if passed else "fail"
            goals.append(f'<tr class="{cls}"><td>{html.escape(figures.market)}</td><td>{html.escape(goal)}</td>'
                         f'<td>{html.escape(str(value))}</td><td>{html.escape(target)}</td>'
                         f'<td>{"PASS" if passed else "FAIL"}</td><td>{html.escape(mechanism)}</td></tr>')
    command = (f"manage.py simulate_market --days {options['days']} --members {options['members']} "
               f"--requesters {options['requesters']} --coops {options['coops']} --seed {options['seed']}")
    timing = "; ".join(f"{m}: world {t['build']:.0f} s, run {t['run']:.0f} s, figures {t['collect']:.0f} s"
                       for m, t in timings.items())
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        "<title>Atelier market simulation</title><style>",
        "body{font-family:system-ui,sans-serif;max-width:60rem;margin:auto;padding:0 1rem;line-height:1.4}",
        "img{max-width:100%;height:auto}.scroll{overflow-x:auto}table{border-collapse:collapse;font-size:.85rem}",
        "td,th{border:1px solid #ccc;padding:.2rem .4rem;text-align:left}tr.fail td{background:#fde2e2}",
        "tr.pass td{background:#e2f5e2}</style></head><body>",
        "<h1>Does Atelier keep its promises to workers? A simulated market</h1>",
        f"<p><code>{html.escape(command)}</code>: {elapsed:.0f} s wall ({html.escape(timing)}), peak memory "
        f"{peak_mib:.0f} MiB. Every figure is read back from the records of the run (docs/simulation.md).</p>",
        "<h2>Goals</h2><div class='scroll'><table><thead><tr><th>market</th><th>goal</th><th>value</th>"
        "<th>target</th><th>result</th><th>mechanism that failed</th></tr></thead><tbody>",
        *goals, "</tbody></table></div>",
    ]
    if any(f.market == "mturk" for f in results):
        parts.append("<h2>The MTurk-like market: what the rulebook could not express</h2><ul>")
        parts += [f"<li><b>{html.escape(a)}</b>: {html.escape(b)}</li>" for a, b in MTURK_NOT_IN_RULEBOOK]
        parts.append("</ul>")
    for name, title, text in SECTIONS:
        if name not in names:
            continue
        parts.append(f"<h2>{html.escape(title)}</h2>")
        if text:
            parts.append(f"<p>{html.escape(text)}</p>")
        for image in images.get(name, []):
            parts.append(f"<p><img src='{image}' alt='{html.escape(title)}'></p>")
        parts.append(_table_html(name, results))
        parts.append(f"<p><a href='{name}.csv'>{name}.csv</a></p>")
    parts.append("</body></html>")
    return "\n".join(parts)
