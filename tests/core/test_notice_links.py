"""Every link in every notice resolves (issue 16 point 2).

Two nets: (1) every `notify(..., link=...)` in the code whose link is written as a literal or an
f-string routes to a page (ids filled with 1); (2) the demo is loaded and walked further (the
demo appeal decided by its jury, the jobs run), then every notice anyone received is opened
as its recipient: none may be a 404 or an error."""

import ast
import pathlib
import re

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve

from accounts.models import Notice
from tasks.appeals.models import Appeal, JurySeat

ROOT = pathlib.Path(__file__).resolve().parents[2]
CODE = ["accounts", "coop", "ledger", "tasks"]


def _notify_links():
    """(file, line, sample path) for each literal or f-string link given to notify()."""
    found = []
    for folder in CODE:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "notify"):
                    continue
                for keyword in node.keywords:
                    if keyword.arg != "link":
                        continue
                    value = keyword.value
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        found.append((path.name, node.lineno, value.value))
                    elif isinstance(value, ast.JoinedStr):
                        sample = "".join(part.value if isinstance(part, ast.Constant) else "1"
                                         for part in value.values)
                        found.append((path.name, node.lineno, sample))
    return found


def test_every_literal_notice_link_in_the_code_routes_to_a_page():
    links = _notify_links()
    assert len(links) >= 15  # the scan sees the code's notices
    unrouted = []
    for name, line, link in links:
        if not link:
            continue
        try:
            resolve(re.sub(r"[#?].*$", "", link))
        except Resolver404:
            unrouted.append(f"{name}:{line} {link}")
    assert unrouted == []


@pytest.mark.django_db
def test_every_notice_of_the_demo_and_its_decided_appeal_opens_for_its_recipient(client):
    call_command("seed_demo", "--quiet")
    appeal = Appeal.objects.order_by("pk").first()
    if appeal.status == "awaiting_draw":  # PostgreSQL: the test's own events are sealed only on request
        from tasks.appeals.services import appeal_draw
        from tests.appeals.conftest import seal

        seal()
        appeal_draw(appeal_id=appeal.pk)
        appeal.refresh_from_db()
    for seat in appeal.seats.filter(status__in=JurySeat.LIVE).select_related("juror"):
        from tasks.appeals.services import seat_vote

        seat_vote(juror=seat.juror, appeal=appeal, vote="overturn",
                  reason="The total is cut off in the photo; the member wrote what was legible.")
    from tasks.appeals.jobs import appeals_due

    appeals_due()
    appeal.refresh_from_db()
    assert appeal.status == "overturned"
    assert not Notice.objects.filter(kind="juror_fund").exists()  # the demo's jurors are paid
    assert appeal.seats.filter(status="voted", paid_at__isnull=False).count() == appeal.jury_size
    notices = list(Notice.objects.exclude(link="").select_related("user"))
    assert len({n.kind for n in notices}) >= 5
    broken = []
    for notice in notices:
        client.force_login(notice.user)
        response = client.get(re.sub(r"#.*$", "", notice.link))
        if response.status_code == 404 or response.status_code >= 500:
            broken.append((notice.kind, notice.link, response.status_code))
    assert broken == []
