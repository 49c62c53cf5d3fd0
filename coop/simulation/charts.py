"""The report's figures as PNGs (matplotlib with the Agg backend: no display needed), each
drawn from the same tables as the CSVs, Atelier and the MTurk-like market side by side."""

from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the backend
from django.utils.translation import gettext as _  # noqa: E402
from django.utils.translation import gettext_noop  # noqa: E402

from coop.simulation.figures import MIN_HOURS  # noqa: E402

COLOURS = {"atelier": "#2a7ab0", "mturk": "#d9822b"}
LABELS = {"atelier": gettext_noop("Atelier rules"), "mturk": gettext_noop("MTurk-like rules")}
KINDS = {"behaviour": gettext_noop("member behaviour"), "coop": gettext_noop("coop")}


def market_label(market):
    return _(LABELS[market]) if market in LABELS else market


def _save(fig, folder, name, suffix):
    path = folder / f"{name}{suffix}.png"
    fig.tight_layout()
    fig.savefig(path, dpi=90, metadata={"Software": None})
    plt.close(fig)
    return path.name


def _bars(ax, groups, series, ylabel, fmt="{:.0f}"):
    """Grouped bars: groups on x, one bar per market."""
    markets = list(series)
    width = 0.8 / max(1, len(markets))
    for i, market in enumerate(markets):
        xs = [g + i * width - 0.4 + width / 2 for g in range(len(groups))]
        values = [series[market].get(group, 0) for group in groups]
        bars = ax.bar(xs, values, width, label=market_label(market), color=COLOURS.get(market))
        for bar, value in zip(bars, values, strict=True):
            ax.annotate(fmt.format(value), (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center",
                        va="bottom", fontsize=7)
    ax.set_xticks(range(len(groups)), groups, rotation=20, ha="right")
    ax.set_ylabel(ylabel)
    _legend(ax, fontsize=8)


def _legend(ax, **kwargs):
    """The legend of what was drawn on `ax` with a label. Nothing labelled (no market had a row:
    an empty table), no legend: matplotlib would warn "No artists with labels found" and draw an
    empty box."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(**kwargs)


def _rows(results, table):
    for figures in results:
        t = figures.tables[table]
        for row in t.rows:
            yield figures.market, dict(zip(t.header, row, strict=True))


def draw(folder, results, *, suffix=""):
    """Every figure, its words in the active language (gettext), saved as `<name><suffix>.png`."""
    images = defaultdict(list)

    # effective hourly earnings per behaviour: median and p10, in currency units an hour
    for kind in ("behaviour", "coop"):
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
        medians, p10, shares = defaultdict(dict), defaultdict(dict), defaultdict(dict)
        groups = []
        for market, row in _rows(results, "earnings"):
            if row["group_kind"] in (kind, "all"):
                medians[market][row["group"]] = row["median_hourly"] / 100
                p10[market][row["group"]] = row["p10_hourly"] / 100
                shares[market][row["group"]] = row["share_paid_hours_at_atelier_floor"] * 100
                if row["group"] not in groups:
                    groups.append(row["group"])
        _bars(left, groups, medians, _("median effective pay an hour"), "{:.2f}")
        left.set_title(_("Median (p10 in the CSV) effective hourly pay, by %(kind)s") % {"kind": _(KINDS[kind])})
        _bars(right, groups, shares, _("paid hours (%)"), "{:.0f}")
        right.axhline(95, color="black", linestyle="--", linewidth=1)
        right.set_title(_("Paid hours at or above the Atelier coop's floor"))
        images["earnings"].append(_save(fig, folder, f"earnings_by_{kind}", suffix))

    # distribution of members' hourly pay (all members who worked a quarter hour or more)
    fig, ax = plt.subplots(figsize=(10, 3.5))
    for figures in results:
        rates = sorted(earned / hours / 100 for _b, _c, _p, hours, earned in figures.members if hours >= MIN_HOURS)
        if rates:
            ax.plot([i / len(rates) * 100 for i in range(len(rates))], rates, label=market_label(figures.market),
                    color=COLOURS.get(figures.market))
    ax.set_xlabel(_("members, from the lowest paid (%)"))
    ax.set_ylabel(_("effective pay an hour"))
    ax.set_title(_("Every member's effective hourly pay (measured time)"))
    if ax.lines:
        ax.legend(fontsize=8)
    else:  # a short run (the module tests' one day): every submission still awaits its review
        ax.text(0.5, 0.5, _("No member has worked a quarter hour yet (work awaiting review does not count): "
                            "nothing to draw."),
                transform=ax.transAxes, ha="center", va="center", color="grey")
    images["earnings"].append(_save(fig, folder, "earnings_distribution", suffix))

    # unpaid minutes by kind
    fig, ax = plt.subplots(figsize=(10, 3.5))
    series, kinds = defaultdict(lambda: defaultdict(float)), []
    for market, row in _rows(results, "unpaid_minutes"):
        series[market][row["kind"]] += row["minutes"] / 60
        if row["kind"] not in kinds:
            kinds.append(row["kind"])
    _bars(ax, kinds, series, _("unpaid hours"), "{:.0f}")
    ax.set_title(_("Unpaid hours, all coops"))
    images["unpaid_minutes"].append(_save(fig, folder, "unpaid", suffix))

    # fastest 10 %: share of each batch claimed in the window, per allocation policy
    fig, ax = plt.subplots(figsize=(10, 3.5))
    per = defaultdict(list)
    for market, row in _rows(results, "fair_share"):
        per[(market, row["policy"])].append(row["share_of_batch"] * 100)
    labels = sorted(per)
    if labels:
        ax.boxplot([per[k] for k in labels], tick_labels=[f"{market_label(m)}\n{p}" for m, p in labels])
    ax.axhline(15, color="black", linestyle="--", linewidth=1)
    ax.set_ylabel(_("share of the batch (%)"))
    ax.set_title(_("Share of each batch won by the fastest 10 % within the window"))
    images["fair_share"].append(_save(fig, folder, "fastest_share", suffix))

    # rejections per requester behaviour
    fig, ax = plt.subplots(figsize=(10, 3.5))
    rates, behaviours = defaultdict(dict), []
    for market, row in _rows(results, "rejections"):
        rates[market][row["requester_behaviour"]] = row["rejection_rate"] * 100
        if row["requester_behaviour"] not in behaviours:
            behaviours.append(row["requester_behaviour"])
    _bars(ax, behaviours, rates, _("reviewed work rejected (%)"), "{:.0f}")
    ax.set_title(_("Rejection rate per requester behaviour (before appeals)"))
    images["rejections"].append(_save(fig, folder, "rejections", suffix))

    # juror fund, treasuries and the federation's fee account over time
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
    lines = defaultdict(list)
    for market, row in _rows(results, "funds"):
        lines[(market, row["account"])].append((row["day"], row["treasury"] / 100, row["juror_fund"] / 100))
    for (market, account), points in sorted(lines.items()):
        days = [p[0] for p in points]
        style = "-" if market == "atelier" else ":"
        left.plot(days, [p[1] for p in points], style, label=f"{account} ({market})")
        if account != "federation":
            right.plot(days, [p[2] for p in points], style, label=f"{account} ({market})")
    left.set_title(_("Coop treasuries and the federation's fees"))
    right.set_title(_("Juror fund per coop"))
    for ax in (left, right):
        ax.set_xlabel(_("day"))
        _legend(ax, fontsize=7)
    images["funds"].append(_save(fig, folder, "funds", suffix))

    # time to payout
    fig, ax = plt.subplots(figsize=(10, 3.2))
    medians, coops = defaultdict(dict), []
    for market, row in _rows(results, "payouts"):
        medians[market][row["coop"]] = row["median_hours_to_settle"]
        if row["coop"] not in coops:
            coops.append(row["coop"])
    _bars(ax, coops, medians, _("hours"), "{:.1f}")
    ax.set_title(_("Median hours from payout request to settlement"))
    images["payouts"].append(_save(fig, folder, "payouts", suffix))
    return images
