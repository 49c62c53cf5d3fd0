"""coop/ops/drill.py: connection strings for the drill's tools and the result's verdict (the
drill itself, dump and restore, runs on PostgreSQL: tests/deploy/test_restore_drill.py and
tests/ops/test_restore_drill.py)."""

import pytest
from django.db import connection

from coop.ops.drill import FINGERPRINT_SQL, DrillResult, dsn, fingerprint, url


def test_dsn_and_url_fill_libpq_defaults():
    assert dsn({"NAME": "atelier"}) == "dbname=atelier user=postgres host=127.0.0.1 port=5432"
    full = {"NAME": "atelier", "USER": "u", "PASSWORD": "p", "HOST": "db", "PORT": 6543}
    assert dsn(full, "copy") == "dbname=copy user=u host=db port=6543 password=p"
    assert url(full, "copy") == "postgres://u:p@db:6543/copy"
    assert url({"NAME": "x"}, "copy") == "postgres://postgres@127.0.0.1:5432/copy"


def test_drill_result_is_ok_without_problems():
    result = DrillResult(source={}, copy={}, checks={})
    assert result.ok
    result.problems.append("users: source '3', copy '2'")
    assert not result.ok
    assert DrillResult(source={}, copy={}, checks={}).problems == []  # no shared default list


@pytest.mark.postgres
@pytest.mark.django_db
def test_fingerprint_reads_every_figure():
    with connection.cursor() as cursor:
        values = fingerprint(cursor)
    assert set(values) == set(FINGERPRINT_SQL)
    assert values["events"].isdigit() and values["users"].isdigit()
