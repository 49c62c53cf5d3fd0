"""The marketplace's row locks lock only the rows meant, FOR NO KEY UPDATE (issue 24): another
transaction can still lock the project's coop and organisation, and insert rows pointing at the
locked project (a foreign key check takes KEY SHARE), while a second lock of the project waits."""

import psycopg
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tasks.locks import assignment_for_update, project_for_update
from tests.factories import member, open_project

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def other_connection():
    s = connection.settings_dict
    return psycopg.connect(dbname=s["NAME"], user=s["USER"], password=s["PASSWORD"] or None,
                           host=s["HOST"] or None, port=s["PORT"] or None, autocommit=False)


def can_lock(conn, table, pk, mode):
    """Whether `conn` gets `mode` on the row at once (NOWAIT); its transaction is rolled back."""
    try:
        conn.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR {mode} NOWAIT", [pk])
        return True
    except psycopg.errors.LockNotAvailable:
        return False
    finally:
        conn.rollback()


def test_project_for_update_locks_the_project_row_only_and_lets_foreign_keys_through():
    project = open_project()
    with other_connection() as other, transaction.atomic():
        project_for_update(project.pk)
        assert not can_lock(other, "tasks_project", project.pk, "NO KEY UPDATE")
        assert can_lock(other, "tasks_project", project.pk, "KEY SHARE")  # what a foreign key check takes
        assert can_lock(other, "federation_coop", project.coop_id, "UPDATE")
        assert can_lock(other, "accounts_organisation", project.organisation_id, "UPDATE")


def test_assignment_for_update_leaves_its_project_member_and_slot_alone():
    from tasks.services import assignment_claim

    project = open_project()
    worker = member(project.coop).user
    assignment = assignment_claim(member=worker, project=project)
    with other_connection() as other, transaction.atomic():
        assignment_for_update(assignment.pk)
        assert not can_lock(other, "tasks_assignment", assignment.pk, "NO KEY UPDATE")
        assert can_lock(other, "tasks_assignment", assignment.pk, "KEY SHARE")
        assert can_lock(other, "tasks_project", project.pk, "UPDATE")
        assert can_lock(other, "tasks_slot", assignment.slot_id, "UPDATE")
        assert can_lock(other, "accounts_user", worker.pk, "UPDATE")


def _fields(instance):
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_the_members_own_lock_is_one_prepared_statement_with_the_orms_rows_and_lock():
    """assignment_of_member_for_update (submit, draft, return) on PostgreSQL: a hand-written
    statement run through execute_one, the same instances as the ORM's query (JSON parsed,
    dates aware), the same lock (its project and organisation free)."""
    from tasks.locks import assignment_of_member_for_update
    from tasks.models import Assignment
    from tasks.services import assignment_claim

    project = open_project(data_flags=[], end_client="Lab", question_form=[{"name": "x", "type": "text",
                                                                            "label": "X"}])
    worker = member(project.coop).user
    claimed = assignment_claim(member=worker, project=project)
    Assignment.objects.filter(pk=claimed.pk).update(draft={"x": "half é"})
    orm = (Assignment.objects.select_related("project", "project__organisation").get(pk=claimed.pk))
    with other_connection() as other, transaction.atomic():
        with CaptureQueriesContext(connection) as through_django:
            mine = assignment_of_member_for_update(claimed.pk)
        assert len(through_django) == 0  # execute_one: the driver's own cursor, prepared
        assert _fields(mine) == _fields(orm) and mine.draft == {"x": "half é"}
        assert _fields(mine.project) == _fields(orm.project) and mine.project.question_form[0]["name"] == "x"
        assert _fields(mine.project.organisation) == _fields(orm.project.organisation)
        assert not mine._state.adding and mine._state.db == "default"
        assert not can_lock(other, "tasks_assignment", claimed.pk, "NO KEY UPDATE")
        assert can_lock(other, "tasks_project", project.pk, "UPDATE")
    with pytest.raises(Assignment.DoesNotExist):
        assignment_of_member_for_update(10**9)


def test_save_fields_writes_the_named_fields_as_the_orm_would():
    from coop.core.db import save_fields
    from tasks.models import Assignment
    from tasks.services import assignment_claim

    project = open_project()
    claimed = assignment_claim(member=member(project.coop).user, project=project)
    claimed.answers, claimed.draft, claimed.revisions = {"label": ["a", "b"], "n": 2}, None, 3
    claimed.status = "submitted"  # named below: written
    claimed.rejection_reason = "not named"  # not named: left as it is
    save_fields(claimed, ("answers", "draft", "revisions", "status"))
    row = Assignment.objects.get(pk=claimed.pk)
    assert (row.answers, row.draft, row.revisions, row.status, row.rejection_reason) == (
        {"label": ["a", "b"], "n": 2}, None, 3, "submitted", "")
    claimed.pk = 10**9
    with pytest.raises(Assignment.DoesNotExist):
        save_fields(claimed, ("status",))
