# The API's Idempotency-Key store moved to coop.core (issue 17; core 0001 adds it there): the
# ledger forgets the model, the table stays with its rows. Its content type follows it, so the
# admin permissions given on it keep working.

from django.db import migrations


def _move_content_type(apps, schema_editor, source, target):
    ContentType = apps.get_model('contenttypes', 'ContentType')
    if not ContentType.objects.filter(app_label=target, model='idempotencyrecord').exists():
        ContentType.objects.filter(app_label=source, model='idempotencyrecord').update(app_label=target)


def to_core(apps, schema_editor):
    _move_content_type(apps, schema_editor, 'ledger', 'core')


def to_ledger(apps, schema_editor):
    _move_content_type(apps, schema_editor, 'core', 'ledger')


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('core', '0001_initial'),
        ('ledger', '0009_idempotency_record_method_path'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='IdempotencyRecord')],
            database_operations=[],
        ),
        migrations.RunPython(to_core, to_ledger),
    ]
