"""Database helpers: guards written as migrations (SQLite and PostgreSQL alike), and the runner of
the hot write paths' one statement."""

import psycopg
from django.db import connection, migrations

PG_REFUSE_FUNCTION = """
CREATE OR REPLACE FUNCTION atelier_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""


def append_only(table):
    """A migration operation that makes `table` refuse UPDATE and DELETE in the database.

    PostgreSQL: a row trigger raising restrict_violation (Django raises IntegrityError);
    TRUNCATE (used by test flushes) is not a row operation and still works.
    SQLite: BEFORE UPDATE / BEFORE DELETE triggers that RAISE(ABORT)."""

    def forwards(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(PG_REFUSE_FUNCTION, params=None)
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION atelier_refuse_change();",
                params=None,
            )
        elif vendor == "sqlite":
            for op in ("UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END;",
                    params=None,
                )

    def backwards(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};", params=None)
        elif vendor == "sqlite":
            for op in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op};", params=None)

    return migrations.RunPython(forwards, backwards)


def append_only_after_rebuild(table):
    """SQLite rebuilds a table to alter a column and the rebuild drops its triggers: a
    migration that alters a column of an append-only table ends with this to put the guards
    back (PostgreSQL keeps its triggers through ALTER TABLE, so nothing runs there)."""
    guards = append_only(table)

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            guards.reverse_code(apps, schema_editor)  # DROP TRIGGER IF EXISTS: the rebuild may have kept none
            guards.code(apps, schema_editor)

    return migrations.RunPython(forwards, migrations.RunPython.noop)


def execute_one(sql, params):
    """Run one statement of a hot write path and return its first row.

    On PostgreSQL it goes straight to the driver's cursor, keeping what Django's cursor
    wrapper guarantees (a connection, no statement inside a broken atomic block, driver errors
    raised as django.db errors with the driver error as `__cause__`) without its per-call
    wrapping, about a quarter of the client's time for a one-row INSERT. Such statements are
    not in `connection.queries`. Elsewhere (SQLite), Django's cursor."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    connection.ensure_connection()
    connection.validate_no_broken_transaction()
    # psycopg's server-side binding cursor (Django's default is client-side binding): the
    # driver prepares a statement it has run five times on this connection, so a long-lived
    # connection (a worker, the sequencer) stops paying PostgreSQL's parse and plan for it.
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()
