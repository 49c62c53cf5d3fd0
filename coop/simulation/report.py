"""The report folder: one CSV per table (both markets' rows together), the raw event counts,
and the page with the figures (coop.simulation.charts) in English (index.html) and French
(index.fr.html, its figures `*_fr.png`): the words through gettext (locale/fr), the CSVs and
their column names in English."""

import csv
import html
import io
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from coop.core.csv import SafeWriter
from coop.simulation import charts
from coop.simulation.model import MTURK_NOT_IN_RULEBOOK, Said

PAGES = (("en", "index.html", ""), ("fr", "index.fr.html", "_fr"))


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
    for language, filename, suffix in PAGES:
        with translation.override(language):
            images = charts.draw(folder, results, suffix=suffix)
            (folder / filename).write_text(page(results, names, images, options=options, elapsed=elapsed,
                                                peak_mib=peak_mib, timings=timings), encoding="utf-8")
    return folder


def say(text):
    """A goal's words in the active language: a `Said` sentence from its template, others as
    they are in the catalogue (values such as "80.5%" are left as they are)."""
    if isinstance(text, Said):
        return _(text.template).format(**text.values)
    return _(str(text)) if text else ""


def _table_html(table_name, results):
    rows = list(csv.reader(io.StringIO(csv_text(table_name, results))))
    head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows[1:])
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


N = gettext_noop  # marked for the catalogue, translated when the page is written
SECTIONS = [
    ("earnings", N("Effective hourly earnings (measured time, not the estimate)"),
     N("Per member: pay for tasks and tests ÷ every hour spent on them, paid or not (rejected, returned and expired "
       "work included). Median and p10 over members who worked at least a quarter hour; the share of paid hours "
       "at or above the floor in force for the assignment (and against the Atelier coop's floor, for the "
       "MTurk-like market).")),
    ("floor_misses", N("Where paid hours fall under the floor"),
     N("Paid hours per requester behaviour and member behaviour, and the hours paid under the floor in force "
       "(reward ÷ measured time).")),
    ("unpaid_minutes", N("Unpaid minutes"),
     N("Qualification tests paid nothing (or never submitted), work returned or expired, rejected work before "
       "appeals (every rejection) and after (rejections that stood).")),
    ("fair_share", N("The fastest 10 % during the fair-share window"),
     N("Fastest 10 %: members with the lowest median of (their time ÷ the project's median time), from the "
       "records. Share of each batch's slots they claimed within the window (60 minutes for first_come coops, for "
       "comparison).")),
    ("rejections", N("Rejections and appeal outcomes per requester behaviour"), ""),
    ("appeals", N("Appeals"), N("Hours since the start of the run; an overturned appeal's release happens in the "
                                "decision's own transaction.")),
    ("brake", N("The mass-rejection brake"), N("Engagements (events), rejections it froze, and what stewards did.")),
    ("jurors", N("Juror load and pay"), ""),
    ("funds", N("Treasury, juror fund and federation fee balances, day by day"), ""),
    ("payouts", N("Time to payout"), N("From the member's request to the steward's settlement (stewards work "
                                       "twice a day).")),
    ("events", N("Raw event counts"), ""),
    ("calls", N("Service calls made by the simulation, and refusals by code"), ""),
    ("log_head", N("The event log's head"),
     N("Size, Merkle root and chain hash of the run's event log at its end: the same seed and options give the "
       "same head.")),
]


def page(results, names, images, *, options, elapsed, peak_mib, timings):
    language = translation.get_language()
    other = [(lang, filename) for lang, filename, _suffix in PAGES if lang != language]
    goals = []
    for figures in results:
        for goal, value, target, passed, mechanism in figures.goals:
            cls = "pass" if passed else "fail"
            goals.append(f'<tr class="{cls}"><td>{html.escape(charts.market_label(figures.market))}</td>'
                         f'<td>{html.escape(say(goal))}</td><td>{html.escape(say(value))}</td>'
                         f'<td>{html.escape(target)}</td><td>{_("PASS") if passed else _("FAIL")}</td>'
                         f'<td>{html.escape(say(mechanism))}</td></tr>')
    command = (f"manage.py simulate_market --days {options['days']} --members {options['members']} "
               f"--requesters {options['requesters']} --coops {options['coops']} --seed {options['seed']}")
    timing = "; ".join(_("%(market)s: world %(build)s s, run %(run)s s, figures %(collect)s s") % {
        "market": m, "build": f"{t['build']:.0f}", "run": f"{t['run']:.0f}", "collect": f"{t['collect']:.0f}"}
        for m, t in timings.items())
    parts = [
        f"<!doctype html><html lang='{language}'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{html.escape(_('Atelier market simulation'))}</title><style>",
        "body{font-family:system-ui,sans-serif;max-width:60rem;margin:auto;padding:0 1rem;line-height:1.4}",
        "img{max-width:100%;height:auto}.scroll{overflow-x:auto}table{border-collapse:collapse;font-size:.85rem}",
        "td,th{border:1px solid #ccc;padding:.2rem .4rem;text-align:left}tr.fail td{background:#fde2e2}",
        "tr.pass td{background:#e2f5e2}</style></head><body>",
        *(f"<p><a href='{filename}' hreflang='{lang}' lang='{lang}'>{'Français' if lang == 'fr' else 'English'}"
          "</a></p>" for lang, filename in other),
        f"<h1>{html.escape(_('Does Atelier keep its promises to workers? A simulated market'))}</h1>",
        f"<p><code>{html.escape(command)}</code>: "
        + html.escape(_("%(wall)s s wall (%(timing)s), peak memory %(peak)s MiB. Every figure is read back from "
                        "the records of the run (docs/simulation.md).") % {
            "wall": f"{elapsed:.0f}", "timing": timing, "peak": f"{peak_mib:.0f}"}) + "</p>",
        f"<h2>{html.escape(_('Goals'))}</h2><div class='scroll'><table><thead><tr>"
        + "".join(f"<th>{html.escape(h)}</th>" for h in (
            _("market"), _("goal"), _("value"), _("target"), _("result"), _("mechanism that failed")))
        + "</tr></thead><tbody>",
        *goals, "</tbody></table></div>",
    ]
    if any(f.market == "mturk" for f in results):
        parts.append(f"<h2>{html.escape(_('The MTurk-like market: what the rulebook could not express'))}</h2><ul>")
        parts += [f"<li><b>{html.escape(_(a))}</b>: {html.escape(_(b))}</li>" for a, b in MTURK_NOT_IN_RULEBOOK]
        parts.append("</ul>")
    for name, title, text in SECTIONS:
        if name not in names:
            continue
        parts.append(f"<h2>{html.escape(_(title))}</h2>")
        if text:
            parts.append(f"<p>{html.escape(_(text))}</p>")
        for image in images.get(name, []):
            parts.append(f"<p><img src='{image}' alt='{html.escape(_(title))}'></p>")
        parts.append(_table_html(name, results))
        parts.append(f"<p><a href='{name}.csv'>{name}.csv</a></p>")
    parts.append("</body></html>")
    return "\n".join(parts)
