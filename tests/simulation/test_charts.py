"""coop/simulation/charts.py: the figures drawn from a run's tables as PNG files, their words
in the active language."""

import pytest
from django.conf import settings
from django.utils import translation

from coop.simulation import charts
from coop.simulation.run import simulate
from tests.simulation.tiny import TINY

pytestmark = pytest.mark.django_db(transaction=settings.DATABASE_IS_POSTGRES,
                                   reset_sequences=settings.DATABASE_IS_POSTGRES)


def test_market_label_in_both_languages():
    assert charts.market_label("atelier") == "Atelier rules" and charts.market_label("other") == "other"
    with translation.override("fr"):
        assert charts.market_label("mturk") != "MTurk-like rules"


def test_draw_saves_each_figure_as_a_png(tmp_path):
    figures, _timings = simulate(TINY)
    images = charts.draw(tmp_path, [figures], suffix="_fr")
    names = [name for files in images.values() for name in files]
    assert names and all(name.endswith("_fr.png") for name in names)
    for name in names:
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _drawn(monkeypatch):
    """What each saved figure holds: {name: (texts written on its axes, whether each axes has a legend)}."""
    seen = {}
    save = charts._save

    def recording(fig, folder, name, suffix):
        seen[name] = ([t.get_text() for ax in fig.axes for t in ax.texts if not t.get_text()[:1].isdigit()],
                      [ax.get_legend() is not None for ax in fig.axes])
        return save(fig, folder, name, suffix)

    monkeypatch.setattr(charts, "_save", recording)
    return seen


def test_a_distribution_with_nobody_to_draw_says_so_without_a_legend_warning(tmp_path, monkeypatch):
    """The tiny run's one day: every submission still awaits review, so no member has a quarter
    hour of counted work. The chart says so instead of asking matplotlib for a legend of nothing
    ("No artists with labels found to put in legend"); with members to draw, it has its legend."""
    import dataclasses
    import warnings

    figures, _timings = simulate(TINY)
    assert figures.members == []
    seen = _drawn(monkeypatch)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        charts.draw(tmp_path, [figures])
    assert [str(w.message) for w in caught] == []
    texts, legends = seen["earnings_distribution"]
    assert texts == ["No member has worked a quarter hour yet (work awaiting review does not count): nothing to draw."]
    assert legends == [False]

    worked = dataclasses.replace(figures, members=[("steady", "tana", "fair_share", 2.0, 3000),
                                                   ("fast", "tana", "fair_share", 0.1, 900)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        charts.draw(tmp_path, [worked])
    assert [str(w.message) for w in caught] == []
    assert seen["earnings_distribution"] == ([], [True])


def test_no_legend_for_axes_with_nothing_labelled():
    import matplotlib.pyplot as plt

    fig, (empty, drawn) = plt.subplots(1, 2)
    drawn.plot([0, 1], [1, 2], label="Atelier rules")
    charts._legend(empty)
    charts._legend(drawn)
    assert empty.get_legend() is None and drawn.get_legend() is not None
    plt.close(fig)
