"""CSV injection (issue 15, leak 9): no export writes a cell a spreadsheet would run as a
formula. One writer (coop.core.csv) for every export; each export is tested here."""

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from coop.core.csv import cell, csv_text
from ledger import services as ledger_services
from tasks.services import assignment_claim, assignment_submit
from tests.factories import CoopFactory, funded_organisation, member, operator, organisation, published_project

FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
            "\t=1+1", "\r=1+1"]


def rows_of(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


def assert_no_formula(rows):
    for row in rows:
        for value in row:
            assert not value.startswith(("=", "+", "@", "\t", "\r")), value
            assert not value.startswith("-") or value.lstrip("-").replace(".", "", 1).isdigit(), value


@pytest.mark.parametrize("value", FORMULAS)
def test_a_text_cell_that_starts_a_formula_gets_a_quote(value):
    assert cell(value) == "'" + value


@pytest.mark.parametrize("value, written", [
    (Decimal("-12.50"), Decimal("-12.50")), (-3, -3), ("-3", "-3"), ("+2.5", "+2.5"), ("plain", "plain"),
    (None, ""), (["a", "=b"], "a|=b"), (["=a", "b"], "'=a|b"), ("-3 cats", "'-3 cats"), ("-1+1", "'-1+1"),
])
def test_numbers_stay_numbers_and_other_cells_are_text(value, written):
    assert cell(value) == written


def test_every_cell_is_quoted_so_another_separator_cannot_start_a_cell():
    text = csv_text(["a", "b"], [["x;=1+1", Decimal("-1.00")]])
    assert text.splitlines() == ['"a","b"', '"x;=1+1","-1.00"']


def test_no_export_writes_csv_but_through_the_safe_writer():
    """Every export goes through coop.core.csv: nothing else in the project writes CSV."""
    offenders = []
    for path in Path(settings.BASE_DIR).rglob("*.py"):
        parts = path.relative_to(settings.BASE_DIR).parts
        if parts[0] in (".venv", "tests", "bench", "staticfiles", "var") or path.name == "csv.py":
            continue
        text = path.read_text()
        if "csv.writer" in text or "DictWriter" in text:
            offenders.append(str(path))
    assert offenders == []


@pytest.mark.django_db
def test_results_export_neutralises_member_answers_and_task_inputs(client):
    coop = CoopFactory()
    project = published_project(coop, tasks=len(FORMULAS))
    project.tasks.update(data={"image_url": "=IMPORTXML(\"http://evil.example\")"})
    for value in FORMULAS:
        worker = member(coop).user
        a = assignment_claim(member=worker, project=project)
        assignment_submit(member=worker, assignment=a, answers={"label": "yes", "note": value})
    client.force_login(project.organisation.owner)
    rows = rows_of(client.get(reverse("tasks:requester_results_csv", args=[project.pk])))
    assert_no_formula(rows)
    header = rows[0]
    notes = sorted(r[header.index("answer.note")] for r in rows[1:])
    stored = [a.answers["note"] for a in project.assignments.all()]  # the form strips spaces around text
    assert notes == sorted("'" + v for v in stored) and "'-2+3" in notes
    assert {r[header.index("input.image_url")] for r in rows[1:]} == {"'=IMPORTXML(\"http://evil.example\")"}


@pytest.mark.django_db
def test_wallet_statement_neutralises_a_requesters_bonus_memo_and_keeps_amounts_numeric(client):
    op = operator()
    org = funded_organisation(100_000, operator=op)
    worker = member(CoopFactory()).user
    ledger_services.bonus_pay(organisation=org, user=worker, amount=250, key="b1", memo="=WEBSERVICE(\"x\")")
    ledger_services.bonus_pay(organisation=org, user=worker, amount=100, key="b2", memo="Merci;=1+1")
    client.force_login(worker)
    response = client.get(reverse("ledger:wallet_csv"))
    rows = rows_of(response)
    assert_no_formula(rows)
    assert '"Merci;=1+1"' in response.content.decode()  # a French spreadsheet splits on ";"
    by_memo = {r[rows[0].index("memo")]: r[rows[0].index("amount")] for r in rows[1:]}
    assert by_memo == {"'=WEBSERVICE(\"x\")": "2.50", "Merci;=1+1": "1.00"}


@pytest.mark.django_db
def test_requester_statement_neutralises_the_deposit_reference_and_keeps_negative_amounts(client):
    op = operator()
    org = organisation()
    ledger_services.deposit_record(operator=op, organisation=org, amount=10_000, reference="@wire-1")
    ledger_services.bonus_pay(organisation=org, user=member(CoopFactory()).user, amount=300, key="b2", memo="-x")
    client.force_login(org.owner)
    rows = rows_of(client.get(reverse("ledger:requester_csv", args=[org.pk])))
    assert_no_formula(rows)
    memos = [r[rows[0].index("memo")] for r in rows[1:]]
    amounts = [r[rows[0].index("amount")] for r in rows[1:]]
    assert "'@wire-1" in memos and "'-x" in memos
    assert "-3.00" in amounts and "100.00" in amounts


def test_the_members_data_download_csvs_go_through_the_safe_writer():
    from accounts.datarights import csv_bytes

    text = csv_bytes([{"body": "=HYPERLINK(\"http://evil.example\")", "amount": Decimal("-2.50")},
                      {"body": "@me", "note": ["-x", "y"]}]).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert_no_formula(rows)
    assert rows[1][:2] == ["'=HYPERLINK(\"http://evil.example\")", "-2.50"]
    assert rows[2][0] == "'@me"
