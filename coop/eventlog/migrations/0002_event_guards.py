from django.db import migrations

from coop.core.db import append_only


def txid_default(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE eventlog_event ALTER COLUMN txid SET DEFAULT (pg_current_xact_id()::text::bigint);",
            params=None,
        )


def txid_default_reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE eventlog_event ALTER COLUMN txid DROP DEFAULT;", params=None)


class Migration(migrations.Migration):
    dependencies = [("eventlog", "0001_initial")]

    operations = [
        migrations.RunPython(txid_default, txid_default_reverse),
        append_only("eventlog_event"),
    ]
