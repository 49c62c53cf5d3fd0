"""coop/core/db.py: the append-only guard written as a migration (rows refuse UPDATE and
DELETE, and the guard is put back after SQLite rebuilds a table), `execute_one`, and which
errors `retryable` runs again (retry_transaction itself: tests/core/test_db_retry.py)."""

import psycopg
import pytest
from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction

from coop.core.db import append_only, append_only_after_rebuild, execute_one, retryable

pytestmark = pytest.mark.django_db


class Editor:
    """What a migration's RunPython gets as `schema_editor`: the connection and `execute`."""

    connection = connection

    def execute(self, sql, params=None):
        with connection.cursor() as cursor:
            cursor.execute(sql)


@pytest.fixture
def guarded_table():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE h17a_notes (id integer PRIMARY KEY, body varchar(20))")
        cursor.execute("INSERT INTO h17a_notes (id, body) VALUES (1, 'first')")
    append_only("h17a_notes").code(None, Editor())
    yield "h17a_notes"
    append_only("h17a_notes").reverse_code(None, Editor())
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE h17a_notes")


def _run(sql):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)


def test_append_only_refuses_update_and_delete_but_not_insert(guarded_table):
    for sql in ("UPDATE h17a_notes SET body = 'changed'", "DELETE FROM h17a_notes"):
        with pytest.raises((IntegrityError, DatabaseError)):
            _run(sql)
    _run("INSERT INTO h17a_notes (id, body) VALUES (2, 'second')")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, body FROM h17a_notes ORDER BY id")
        assert cursor.fetchall() == [(1, "first"), (2, "second")]


def test_the_reverse_removes_the_guard_and_after_rebuild_puts_it_back(guarded_table):
    append_only(guarded_table).reverse_code(None, Editor())
    _run("UPDATE h17a_notes SET body = 'free'")
    append_only_after_rebuild(guarded_table).code(None, Editor())
    if connection.vendor == "sqlite":  # PostgreSQL keeps triggers through ALTER TABLE: nothing to put back
        with pytest.raises(IntegrityError):
            _run("DELETE FROM h17a_notes")
    append_only_after_rebuild(guarded_table).code(None, Editor())  # twice: still one guard, no error


def test_execute_one_returns_the_first_row():
    assert execute_one("SELECT 1 + %s, 'x'", [2]) == (3, "x")
    with pytest.raises(DatabaseError), transaction.atomic():
        execute_one("SELECT * FROM no_such_table_h17a", [])


def _raised_from(cause):
    try:
        try:
            raise cause
        except psycopg.Error as exc:
            raise OperationalError(str(exc)) from exc
    except OperationalError as outer:
        return outer


def test_retryable_knows_deadlocks_and_serialisation_failures_only():
    assert retryable(_raised_from(psycopg.errors.DeadlockDetected("deadlock")))
    assert retryable(_raised_from(psycopg.errors.SerializationFailure("conflict")))
    assert not retryable(_raised_from(psycopg.errors.UniqueViolation("duplicate")))
    assert not retryable(ValueError("plain"))
    loop = OperationalError("a")
    loop.__cause__ = loop  # a cycle of causes ends
    assert not retryable(loop)
