"""The market simulator (issue 21) on the test database: a short market keeps the books and the
event log sound, its figures are the records' (checked here by independent sums, some against
the ledger), and the same seed gives the same CSVs and the same event-log head."""

import pickle
from collections import Counter

import pytest
from django.conf import settings
from django.db.models import Sum
from django.utils import translation

from accounts.models import MemberApiKey
from coop.eventlog.checkpoints import checkpoint_latest, checkpoint_sign
from coop.eventlog.models import Event
from coop.eventlog.verify import verify_log
from coop.simulation import report
from coop.simulation.figures import FLOOR_MISSED
from coop.simulation.model import Config, Said
from coop.simulation.report import csv_text, say
from coop.simulation.run import START, simulate
from ledger.models import Account, Balance, Payout, Posting, Transaction
from ledger.services import reconciliation_run
from tasks.appeals.models import JurySeat
from tasks.models import Assignment
from tasks.qualifications.models import Attempt
from tests.reliability.bank import sequence_everything

# On PostgreSQL the run commits for real (the sequencer numbers finished transactions) and ids
# restart for each test; on SQLite it runs in the test's transaction (the one writer: the
# sequencer sees it; ids restart with the rolled-back transaction anyway).
ON_POSTGRES = settings.DATABASE_IS_POSTGRES
pytestmark = pytest.mark.django_db(transaction=ON_POSTGRES, reset_sequences=ON_POSTGRES)


def row(figures, table, **match):
    t = figures.tables[table]
    for values in t.rows:
        named = dict(zip(t.header, values, strict=True))
        if all(named[k] == v for k, v in match.items()):
            return named
    raise AssertionError(f"no row {match} in {table}")


def test_simulate_market_short_run_keeps_the_books_and_the_log():
    """50 members, 3 requesters, 2 days (the issue's short simulation)."""
    figures, _timing = simulate(Config(days=2, members=50, requesters=3, coops=3, seed=21))

    calls = dict((r[1], r[2]) for r in figures.tables["calls"].rows)
    assert calls["assignment_submit"] > 50  # a market really ran: work was claimed, submitted, reviewed
    assert calls["assignment_reject"] > 0 and calls["assignments_approve"] > 0
    # scripting members worked through the member API, on the simulation's clock
    assert calls["api:claim"] > 0 and calls["api:submit"] > 0
    scripted = Assignment.objects.filter(member__member_keys__isnull=False)
    assert scripted.count() >= calls["api:claim"] - sum(v for k, v in calls.items()
                                                        if k.startswith("refused:api:claim:"))
    assert not scripted.filter(claimed_at__lt=START).exists()
    assert Event.objects.filter(type="assignment.claimed", actor__in=scripted.values("member_id")).exists()
    run_events = Event.objects.filter(type__startswith="assignment.")
    assert not run_events.filter(occurred_at__lt=int(START.timestamp() * 1_000_000)).exists()  # the run's clock
    report = reconciliation_run()
    assert report.ok and report.escrow_checked, report.findings[:5]
    deposits = Posting.objects.filter(transaction__kind=Transaction.Kind.DEPOSIT, amount__gt=0).aggregate(
        t=Sum("amount"))["t"]
    settled = Payout.objects.filter(status=Payout.Status.SETTLED).aggregate(t=Sum("amount"))["t"] or 0
    inside = Balance.objects.exclude(account__kind=Account.Kind.WORLD).aggregate(t=Sum("amount"))["t"]
    assert inside == deposits - settled
    assert not Balance.objects.filter(amount__lt=0, allow_negative=False).exists()
    releases = Counter(k.split(":")[1] for k in Transaction.objects.filter(
        kind=Transaction.Kind.ESCROW_RELEASE, key__startswith="assignment:").values_list("key", flat=True))
    paid = Assignment.objects.filter(status__in=Assignment.PAID_STATUSES).count()
    assert len(releases) == paid and set(releases.values()) == {1}  # every paid assignment paid exactly once

    sequence_everything()
    result = verify_log()
    assert result.ok, [str(p) for p in result.problems[:3]]
    assert result.size == Event.objects.count()


def test_simulate_market_figures_are_the_records():
    """A tiny run, its figures recomputed by hand from the rows and the ledger."""
    figures, _timing = simulate(Config(days=1, members=12, requesters=2, coops=1, seed=5))
    everyone = row(figures, "earnings", group_kind="all")

    # earned: rewards of paid work and test pay, as the members' wallets received them (the ledger)
    wallet_in = Posting.objects.filter(
        account__kind=Account.Kind.WALLET, amount__gt=0,
        transaction__kind__in=[Transaction.Kind.ESCROW_RELEASE, Transaction.Kind.BONUS]).aggregate(
        t=Sum("amount"))["t"] or 0
    assert everyone["earned"] == wallet_in
    # hours: submitted work that was paid or stayed rejected, plus returned and expired work, by hand
    seconds = 0
    for a in Assignment.objects.all():
        if a.status in ("returned", "expired"):
            seconds += (min(a.ended_at or a.deadline_at, a.deadline_at) - a.claimed_at).total_seconds()
        elif a.status in ("approved", "overturned", "voided", "rejected", "rejection_final", "appealed", "upheld",
                          "frozen"):
            seconds += a.time_spent_seconds
    seconds += sum(((t.submitted_at or t.deadline_at) - t.started_at).total_seconds()
                   for t in Attempt.objects.exclude(status="started"))
    assert everyone["hours_worked"] == round(seconds / 3600, 2)

    rejected = Assignment.objects.filter(status__in=["rejected", "rejection_final", "appealed", "upheld",
                                                     "overturned", "frozen", "voided"]).count()
    assert sum(r[4] for r in figures.tables["rejections"].rows) == rejected
    assert sum(r[6] for r in figures.tables["rejections"].rows) == rejected  # each with its reason
    counts = Counter(Event.objects.values_list("type", flat=True))
    assert {r[1]: r[2] for r in figures.tables["events"].rows} == dict(counts)
    returned = sum((a.ended_at - a.claimed_at).total_seconds() / 60
                   for a in Assignment.objects.filter(status="returned"))
    assert row(figures, "unpaid_minutes", kind="returned")["minutes"] == round(returned, 1)


def test_simulate_market_counts_unpaid_test_minutes_of_the_mturk_like_market(tmp_path):
    """MTurk-like rules: the gold requester's test pays 0 (a floor of 0). Its attempts are
    submitted (no ledger refusal) and every minute of them, and of any attempt left to expire,
    is an unpaid qualification minute; the goal line says so."""
    figures, _timing = simulate(Config(days=1, members=12, requesters=5, coops=1, seed=5, rules="mturk"))
    calls = dict((r[1], r[2]) for r in figures.tables["calls"].rows)
    assert calls.get("attempt_submit", 0) > 0 and not any(k.startswith("refused:attempt_submit") for k in calls)
    done = Attempt.objects.exclude(status="started")
    assert done.exists() and not done.exclude(reward=0).exists()
    minutes = sum(((t.submitted_at or t.deadline_at) - t.started_at).total_seconds() / 60 for t in done)
    assert row(figures, "unpaid_minutes", kind="qualification_tests")["minutes"] == round(minutes, 1) > 0
    goal = next(g for g in figures.goals if g[0] == "unpaid qualification minutes")
    assert goal[3] is False and goal[1] == f"{round(minutes, 1):,.0f}"

    # the report, in English and in French (the CSVs stay in English)
    report.write(tmp_path, [figures], options={"days": 1, "members": 12, "requesters": 5, "coops": 1, "seed": 5},
                 elapsed=1, peak_mib=1, timings={"mturk": _timing})
    english = (tmp_path / "index.html").read_text(encoding="utf-8")
    french = (tmp_path / "index.fr.html").read_text(encoding="utf-8")
    assert "<html lang='en'>" in english and "href='index.fr.html'" in english
    assert "unpaid qualification minutes" in english and "FAIL" in english
    assert "<html lang='fr'>" in french and "href='index.html'" in french
    assert "minutes de qualification non payées" in french and "MANQUÉ" in french and "un plancher de 0" in french
    assert "Gains horaires effectifs" in french and "earnings_by_behaviour_fr.png" in french
    assert (tmp_path / "earnings_by_behaviour_fr.png").exists() and (tmp_path / "earnings_by_behaviour.png").exists()
    assert "minutes de qualification" not in (tmp_path / "goals.csv").read_text(encoding="utf-8")  # CSVs in English


def test_said_keeps_its_template_through_pickling_and_the_report_says_it_in_french():
    said = Said(FLOOR_MISSED, requesters="underestimates 51%", members="careful 33%")
    again = pickle.loads(pickle.dumps(said))
    assert again == said and again.template == FLOOR_MISSED and again.values == said.values
    assert str(said).endswith("by requester: underestimates 51%; by member: careful 33%")
    with translation.override("fr"):
        assert say(again).startswith("le plancher s’applique à l’estimation du demandeur")
        assert say(again).endswith("par demandeur : underestimates 51% ; par membre : careful 33%")
        assert say("no batch") == "aucun lot" and say("80.5%") == "80.5%" and say("") == ""


@pytest.fixture(scope="module")
def first_run():
    return {}


def log_head():
    """The event log's head after the run: size, Merkle root and chain hash (every event
    sequenced, the head signed)."""
    sequence_everything()
    head = checkpoint_sign() or checkpoint_latest()
    return head.size, bytes(head.root).hex(), bytes(head.chain_hash).hex()


@pytest.mark.parametrize("attempt", [1, 2])
def test_simulate_market_same_seed_same_csvs_and_log_head(attempt, first_run):
    """Run twice on a fresh database (ids restart): every CSV is byte-identical and the event
    log ends on the same head (event times from the simulation's clock, salts and keys from the
    seed); a juror drawn in one run is drawn in the other."""
    figures, _timing = simulate(Config(days=2, members=20, requesters=3, coops=2, seed=9))
    assert row(figures, "earnings", group_kind="all")["earned"] > 0
    texts = {name: csv_text(name, [figures]) for name in figures.tables}
    head = log_head()
    seats = list(JurySeat.objects.order_by("pk").values_list("appeal_id", "juror_id", "draw_index"))
    keys = list(MemberApiKey.objects.order_by("pk").values_list("user_id", "prefix", "secret_hash"))
    assert head[0] == Event.objects.count() > 500
    if attempt == 1:
        first_run.update(texts=texts, head=head, seats=seats, keys=keys)
    else:
        assert texts == first_run["texts"]
        assert head == first_run["head"]
        assert (seats, keys) == (first_run["seats"], first_run["keys"])
