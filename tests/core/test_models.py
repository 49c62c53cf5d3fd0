"""coop.core's one model, the API's Idempotency-Key store: it moved from the ledger in issue 17
with a state-only migration (core 0001, ledger 0010). The table kept its name and its rows: a
key stored before the move is read after it (the migration run back, then forward: one round
trip, as migrating back is slow). Runs on SQLite and, in the PostgreSQL pass, on PostgreSQL."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from coop.core.models import IdempotencyRecord

BEFORE = [("ledger", "0009_idempotency_record_method_path"), ("core", None)]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    # the models as the applied migrations leave them
    return MigrationExecutor(connection)._create_project_state(with_applied_migrations=True).apps


@pytest.fixture
def before_the_move():
    """The database as it was before the move (the model in the ledger); put back at the end."""
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old_apps = _migrate(BEFORE)
    yield old_apps
    _migrate(leaves)


def test_the_model_is_the_ledgers_table():
    assert IdempotencyRecord._meta.app_label == "core"
    assert IdempotencyRecord._meta.db_table == "ledger_idempotencyrecord"


@pytest.mark.django_db(transaction=True)
def test_a_key_stored_in_the_ledger_is_read_from_core_after_the_move(before_the_move):
    old_apps = before_the_move
    with pytest.raises(LookupError):
        old_apps.get_model("core", "IdempotencyRecord")
    OldRecord = old_apps.get_model("ledger", "IdempotencyRecord")
    OldRecord.objects.create(scope="org:1", key="k-1", method="POST", path="/api/x/", body_hash="ab" * 32,
                             status_code=201, response={"id": 7})
    ContentType.objects.get_or_create(app_label="ledger", model="idempotencyrecord")

    new_apps = _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    with pytest.raises(LookupError):
        new_apps.get_model("ledger", "IdempotencyRecord")
    row = IdempotencyRecord.objects.get(scope="org:1", key="k-1")
    assert (row.method, row.path, row.status_code, row.response) == ("POST", "/api/x/", 201, {"id": 7})
    # its content type (and so the admin permissions on it) followed it
    assert ContentType.objects.filter(app_label="core", model="idempotencyrecord").exists()
    assert not ContentType.objects.filter(app_label="ledger", model="idempotencyrecord").exists()
    # the (scope, key) constraint is still there
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "ledger_idempotencyrecord")
    assert constraints["ledger_idempotency_unique"]["unique"]
