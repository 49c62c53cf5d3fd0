"""The marketplace's row locks lock only the rows meant, FOR NO KEY UPDATE (issue 24): another
transaction can still lock the project's coop and organisation, and insert rows pointing at the
locked project (a foreign key check takes KEY SHARE), while a second lock of the project waits."""

import psycopg
import pytest
from django.db import connection, transaction

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
