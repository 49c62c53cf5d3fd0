"""`ledger_post` without the separate SELECT ... FOR UPDATE: it writes the transaction row
first (a reused key stops before any balance lock), changes each balance once in account-id
order (the UPDATE takes the row lock, in one order for every posting, so no deadlock) and
inserts the postings in one statement. Same arguments, same errors, same guards."""

from django.db import migrations

from ledger.posting_sql import PG_POST_FUNCTION


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_POST_FUNCTION, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0005_hot_path_without_fk_locks"), ("eventlog", "0005_event_without_fk_locks")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
