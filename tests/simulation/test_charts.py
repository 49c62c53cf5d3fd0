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
