"""coop/simulation/report.py: one CSV per table over both markets (header once), the goals'
words said again in French from their template, and the page in each language."""

from django.utils import translation

from coop.simulation import report
from coop.simulation.figures import Figures, Table
from coop.simulation.model import Said


def _figures(market, rows):
    table = Table("calls", ("market", "service", "count"), rows=rows)
    return Figures(market=market, tables={"calls": table}, goals=[
        ("rejections carrying a reason", "4/4", "100%", True, ""),
        ("paid hours at or above the coop floor", "80.0%", ">= 95%", False,
         Said("Below-floor paid hours by requester: {requesters}", requesters="R1 60%"))], notes={})


def test_csv_text_writes_the_header_once():
    text = report.csv_text("calls", [_figures("atelier", [("atelier", "claim", 3)]),
                                     _figures("mturk", [("mturk", "claim", 5)])])
    assert text.splitlines() == ['"market","service","count"', '"atelier","claim","3"', '"mturk","claim","5"']


def test_say_translates_said_sentences_and_catalogue_words():
    said = Said("{n} tasks", n=2)
    assert report.say(said) == "2 tasks" and report.say("") == "" and report.say(None) == ""
    with translation.override("fr"):
        assert report.say("rejections carrying a reason") != "rejections carrying a reason"


def test_page_has_the_goals_and_links_the_other_language():
    results = [_figures("atelier", [("atelier", "claim", 3)])]
    options = {"days": 2, "members": 12, "requesters": 6, "coops": 2, "seed": 7}
    timings = {"atelier": {"build": 1, "run": 2, "collect": 3}}
    with translation.override("en"):
        html = report.page(results, ["calls"], {}, options=options, elapsed=6, peak_mib=100, timings=timings)
    assert "<html lang='en'>" in html and "href='index.fr.html'" in html
    assert "--days 2 --members 12 --requesters 6 --coops 2 --seed 7" in html
    assert '<tr class="fail">' in html and '<tr class="pass">' in html and "R1 60%" in html
