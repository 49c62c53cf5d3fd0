from django.db import migrations

from coop.core.db import append_only
from ledger.posting_sql import PG_BALANCED_TRIGGERS, PG_DROP, PG_POST_FUNCTION


def pg_forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_POST_FUNCTION, params=None)
        schema_editor.execute(PG_BALANCED_TRIGGERS, params=None)


def pg_backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [
        append_only("ledger_account"),
        append_only("ledger_transaction"),
        append_only("ledger_posting"),
        migrations.RunPython(pg_forwards, pg_backwards),
    ]
