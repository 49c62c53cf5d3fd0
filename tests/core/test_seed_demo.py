"""`manage.py seed_demo` is idempotent: a second run changes no row of any table."""

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import User
from coop.federation.models import Coop, Membership

pytestmark = pytest.mark.django_db

VOLATILE = {"django_session"}


def row_counts():
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table in VOLATILE:
                continue
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def test_seed_demo_twice_changes_nothing(capsys):
    call_command("seed_demo")
    first = row_counts()
    out = capsys.readouterr().out
    assert "steward@tana.example" in out and "atelier-demo" in out
    call_command("seed_demo", "--quiet")
    assert row_counts() == first
    assert first["eventlog_event"] > 10


def test_seed_demo_builds_the_demo_federation():
    call_command("seed_demo", "--quiet")
    assert set(Coop.objects.values_list("slug", flat=True)) >= {"tana", "lagos"}
    tana = Coop.objects.get(slug="tana")
    assert Membership.objects.filter(coop=tana, role="steward", status="active").count() == 2
    assert Membership.objects.get(user__email="applicant@tana.example").status == "applicant"
    assert User.objects.get(email="operator@atelier.example").is_staff
    assert User.objects.get(email="member@tana.example").check_password("atelier-demo")


def test_readme_and_make_run_give_every_demo_login_and_the_paths(capsys):
    """The README's logins table and `make run`'s printout name every demo account; both
    give the requester's and the juror's paths (issue 16)."""
    from pathlib import Path

    from django.conf import settings

    call_command("seed_demo")
    out = capsys.readouterr().out
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    emails = set(User.objects.filter(email__endswith=".example").values_list("email", flat=True))
    assert len(emails) >= 13
    for email in emails:
        assert email in out and email in readme, email
    what_to_try = readme.split("### What to try", 1)[1].split("## ", 1)[0]
    for path in ("**Requester.**", "**Juror.**", "**Applicant → member.**", "Review queue", "Next submission"):
        assert path in what_to_try
    assert "What to try" in out and "requester@ravina.example" in out and "juror" in out
