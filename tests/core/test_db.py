"""coop/core/db.py: the append-only guard written as a migration (rows refuse UPDATE and
DELETE, and the guard is put back after SQLite rebuilds a table), `execute_one`, and which
errors `retryable` runs again (retry_transaction itself: tests/core/test_db_retry.py), and
`instance_get`, the hand-written read that loads what the ORM loads."""

import psycopg
import pytest
from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext

from coop.core.db import append_only, append_only_after_rebuild, execute_one, instance_get, instances_where, retryable

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


def _fields(instance):
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_instance_get_and_instances_where_load_what_the_orm_loads():
    """The hand-written read (issue 21) gives the ORM's instances: every column converted as the
    ORM converts it (aware datetimes and booleans on SQLite, JSON parsed), the relations cached."""
    from tasks.models import Assignment, Project
    from tests.factories.federation import MembershipFactory
    from tests.factories.tasks import open_project

    project = open_project(tasks=1)
    member = MembershipFactory(coop=project.coop).user
    slot = project.slots.get()
    assignment = Assignment.objects.create(slot=slot, task=slot.task, project=project, member=member,
                                           claimed_at=project.published_at, deadline_at=project.published_at,
                                           rulebook_version=1, draft={"label": "yes"})
    got = instance_get(Assignment, assignment.pk, ("project", "task"))
    orm = Assignment.objects.select_related("project", "task").get(pk=assignment.pk)
    assert _fields(got) == _fields(orm)
    assert got.deadline_at.tzinfo is not None and got.draft == {"label": "yes"}
    with CaptureQueriesContext(connection) as queries:
        assert _fields(got.project) == _fields(orm.project) and _fields(got.task) == _fields(orm.task)
        assert got.project.question_form == orm.project.question_form
    assert len(queries) == 0  # read with it
    assert got.auto_approved is False  # a boolean, not SQLite's 0
    assert instance_get(Assignment, assignment.pk, ("reviewed_by",)).reviewed_by is None  # a null relation
    assert instance_get(Project, project.pk, ("organisation",)).organisation == project.organisation
    assert instance_get(Project, project.pk + 1000) is None
    nested = instance_get(Assignment, assignment.pk, ("project", "project__coop", "project__organisation", "member"))
    with CaptureQueriesContext(connection) as queries:
        assert (nested.project.coop, nested.project.organisation, nested.member) == (
            project.coop, project.organisation, member)
    assert len(queries) == 0
    rows = instances_where(Assignment, 't0."project_id" = %s AND t0."status" = %s', [project.pk, "claimed"])
    assert [_fields(a) for a in rows] == [_fields(orm)]
    assert instances_where(Assignment, 't0."project_id" = %s', [project.pk + 1000]) == []


def test_instance_get_of_an_id_out_of_range_is_no_row_as_the_orm_says():
    """A URL's id is any integer (the API fuzz sent 2**64): the ORM answers no row, and so does
    the hand-written read, instead of the SQLite driver's OverflowError (a 500)."""
    from tasks.models import Project

    for pk in (2**63, 2**64, -(2**63) - 1):
        assert Project.objects.filter(pk=pk).first() is None
        assert instance_get(Project, pk) is None
        assert instance_get(Project, pk, ("organisation",)) is None


@pytest.mark.django_db
def test_every_constraint_and_index_the_models_declare_is_in_the_database():
    """Migrations can lose one silently: Django's AlterField dropping `db_index` on a foreign key
    drops every single-column index of that column, a partial UniqueConstraint's with it (tasks
    migration 0015 says how it keeps it). The database must hold what the models say."""
    from django.apps import apps
    from django.db import connection

    missing = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if model._meta.proxy or not model._meta.managed:
                continue
            declared = {c.name for c in model._meta.constraints} | {i.name for i in model._meta.indexes}
            if not declared:
                continue
            present = set(connection.introspection.get_constraints(cursor, model._meta.db_table))
            missing += [f"{model._meta.label}.{name}" for name in sorted(declared - present)]
    assert missing == []
