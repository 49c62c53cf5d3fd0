"""Database helpers: guards written as migrations (SQLite and PostgreSQL alike), the runner of
the hot write paths' one statement, and the one place a transaction that lost a deadlock or a
serialisation check is run again (`retry_transaction`)."""

import functools
import logging
import random
import time

import psycopg
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, migrations
from django.utils.translation import gettext_lazy as _

from coop.core.errors import DomainError

log = logging.getLogger(__name__)

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
    db = connections[DEFAULT_DB_ALIAS]  # `connection` is a proxy: each attribute read looks the alias up again
    if db.vendor != "postgresql":
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    db.ensure_connection()
    db.validate_no_broken_transaction()
    # psycopg's server-side binding cursor (Django's default is client-side binding): the
    # driver prepares a statement it has run DB_PREPARE_THRESHOLD times on this connection
    # (coop/settings.py), so a long-lived connection (a worker, the sequencer) stops paying
    # PostgreSQL's parse and plan for it.
    with db.wrap_database_errors, psycopg.Cursor(db.connection) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def fetch_one(sql, params):
    """The first row of a hand-written read, through Django's cursor on every database (so it
    is counted in `connection.queries` like the ORM statement it replaces; `execute_one` is for
    the hot write paths' prepared statements on PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


@functools.cache
def _model_columns(model, vendor=None):
    """(columns, attnames, converters) of `model`'s concrete fields, in their order. The
    converters are the ones the ORM's compiler applies to a column (the backend's, e.g. SQLite's
    text datetimes made aware, then the field's `from_db_value`, e.g. JSON parsed): a list of
    (index, [(converter, expression)])."""
    fields = model._meta.concrete_fields
    converters = []
    for i, field in enumerate(fields):
        col = field.get_col(model._meta.db_table)
        found = [*connection.ops.get_db_converters(col), *col.get_db_converters(connection)]
        if found:
            converters.append((i, [(convert, col) for convert in found]))
    return [f.column for f in fields], [f.attname for f in fields], converters


def select_columns(model, alias: str) -> str:
    """Every concrete column of `model` for a hand-written SELECT (`alias."col", ...`), in the
    order `instance_from_row` reads them back."""
    return ", ".join(f'{alias}."{column}"' for column in _model_columns(model, connection.vendor)[0])


def instance_from_row(model, row, start: int = 0):
    """The `model` instance whose columns (`select_columns`) start at `row[start]`, as the ORM
    would load it (fields' `from_db_value`, e.g. JSON parsed); returns (instance, next start)."""
    _columns, names, converters = _model_columns(model, connection.vendor)
    values = list(row[start:start + len(names)])
    for i, steps in converters:
        for convert, col in steps:
            values[i] = convert(values[i], col, connection)
    return model.from_db(connection.alias, names, values), start + len(names)


@functools.cache
def _update_sql(model, fields):
    columns = [model._meta.get_field(name).column for name in fields]
    sets = ", ".join(f'"{column}" = %s' for column in columns)
    return f'UPDATE {model._meta.db_table} SET {sets} WHERE "{model._meta.pk.column}" = %s RETURNING 1'


def save_fields(instance, fields: tuple[str, ...]) -> None:
    """`instance.save(update_fields=fields)` for a hot write path: on PostgreSQL one UPDATE
    through `execute_one` (prepared by the driver once run a few times; the ORM compiles its
    UPDATE every time and PostgreSQL plans it every time). Values are prepared by each field as
    the ORM prepares them (`get_db_prep_save`); no signals are sent (Atelier uses none). On
    SQLite the same UPDATE through Django's cursor (SQLite has RETURNING since 3.35): the ORM
    spent more compiling it than SQLite running it (issue 21)."""
    meta = instance._meta
    values = [meta.get_field(name).get_db_prep_save(getattr(instance, meta.get_field(name).attname), connection)
              for name in fields]
    if execute_one(_update_sql(type(instance), tuple(fields)), [*values, instance.pk]) is None:
        raise instance.DoesNotExist(f"{meta.object_name} {instance.pk} does not exist.")


# --- running a transaction again after a deadlock or a serialisation failure ------------------
# PostgreSQL aborts one transaction of a deadlock (40P01) and, above READ COMMITTED, a transaction
# that cannot be serialised (40001); both leave nothing behind and succeed when run again. The
# services take their locks in one global order (docs/ledger.md "Lock order"), so this is the
# exception; when it happens the whole transaction runs again, here and nowhere else.
RETRY_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure
RETRY_ATTEMPTS = 5
RETRY_BASE_DELAY = 0.02  # seconds; doubled each time, with full jitter, capped below
RETRY_MAX_DELAY = 0.5


class Busy(DomainError):
    """Still losing after every retry: the client may try again (503, never a 500)."""

    status = 503
    code = "busy"
    default_message = _("The service is busy right now. Nothing was changed: please try again in a moment.")


def retryable(exc):
    """True when `exc` (or a driver error it was raised from) is a deadlock or a serialisation
    failure: the transaction was rolled back whole and may simply run again."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if getattr(exc, "sqlstate", None) in RETRY_SQLSTATES:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def retry_transaction(fn=None, *, attempts=RETRY_ATTEMPTS, base_delay=RETRY_BASE_DELAY, max_delay=RETRY_MAX_DELAY):
    """Decorate the outermost transaction of an entry point (a service above its
    `@transaction.atomic`, or the block a view or job opens): when it loses a deadlock or a
    serialisation check it runs again whole, at most `attempts` times with a bounded, jittered
    exponential backoff, then raises `Busy` (503). Called inside a transaction already open it
    runs once and lets the error rise: only the outermost transaction can be run again (a
    savepoint cannot: the failure aborted the whole transaction). Any other error passes through."""

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if connection.in_atomic_block:
                return func(*args, **kwargs)
            attempt = 1
            while True:
                try:
                    return func(*args, **kwargs)
                except DatabaseError as exc:
                    if not retryable(exc):
                        raise
                    if attempt >= attempts:
                        log.warning("%s: still %s after %d attempts", func.__qualname__, exc.__cause__ or exc,
                                    attempts)
                        raise Busy(extra={"attempts": attempts}) from exc
                    delay = random.uniform(0, min(max_delay, base_delay * 2 ** (attempt - 1)))
                    attempt += 1
                    log.info("%s: %s; running the transaction again in %.3f s (attempt %d of %d)",
                             func.__qualname__, getattr(exc.__cause__, "sqlstate", "?"), delay, attempt, attempts)
                    time.sleep(delay)

        return wrapper

    return decorate(fn) if fn is not None else decorate


@functools.cache
def _instance_get_sql(model, related, vendor):
    aliases = {"": ("t0", model, False)}  # path -> (alias, model, joined by LEFT JOIN)
    columns = [select_columns(model, "t0")]
    joins = []
    for i, path in enumerate(related, 1):
        parent_path, _sep, name = path.rpartition("__")
        parent_alias, parent_model, parent_outer = aliases[parent_path]
        field = parent_model._meta.get_field(name)
        other = field.related_model
        outer = parent_outer or field.null  # below a LEFT JOIN, a join must not drop the row
        aliases[path] = (f"t{i}", other, outer)
        columns.append(select_columns(other, f"t{i}"))
        joins.append(f'{"LEFT JOIN" if outer else "JOIN"} {other._meta.db_table} t{i} '
                     f'ON t{i}."{other._meta.pk.column}" = {parent_alias}."{field.column}"')
    return (f"SELECT {', '.join(columns)} FROM {model._meta.db_table} t0 {' '.join(joins)} "
            f'WHERE t0."{model._meta.pk.column}" = %s')


def instance_get(model, pk, related: tuple[str, ...] = ()):
    """The `model` row `pk` with its `related` foreign keys (`"project"`, `"project__coop"`: a
    parent before its children), as `model.objects.select_related(*related).filter(pk=pk).first()`
    loads it, in one hand-written statement: for the hot reads whose ORM statement cost more to
    compile than to run (a wide row, joins: issue 21). None if there is no such row. Reads only:
    no lock (on SQLite a row lock is no lock either)."""
    related = tuple(related)
    if isinstance(pk, int) and not -(2**63) <= pk < 2**63:
        return None  # as the ORM answers an out-of-range id (SQLite's driver would raise OverflowError)
    row = fetch_one(_instance_get_sql(model, related, connection.vendor), [pk])
    if row is None:
        return None
    instance, at = instance_from_row(model, row)
    loaded = {"": (instance, model)}
    for path in related:
        parent_path, _sep, name = path.rpartition("__")
        parent, parent_model = loaded[parent_path]
        other_model = parent_model._meta.get_field(name).related_model
        other, at = instance_from_row(other_model, row, at)
        other = other if other.pk is not None else None
        if parent is not None:
            setattr(parent, name, other)
        loaded[path] = (other, other_model)
    return instance


def instances_where(model, where: str, params, *, alias: str = "t0", order_by: str = "id"):
    """The `model` rows matching a hand-written `where` (columns named `<alias>."col"`), ordered
    by `order_by`, loaded as the ORM loads them (`instance_from_row`): for a hot read repeated
    after every event, whose ORM statement cost more to compile than to run (issue 21)."""
    sql = (f"SELECT {select_columns(model, alias)} FROM {model._meta.db_table} {alias} "
           f'WHERE {where} ORDER BY {alias}."{order_by}"')
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [instance_from_row(model, row)[0] for row in cursor.fetchall()]
