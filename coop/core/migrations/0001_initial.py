# The API's Idempotency-Key store moves from the ledger to coop.core (issue 17): state only.
# The table keeps its name (ledger_idempotencyrecord) and its rows; ledger 0010 drops the model
# from the ledger's state after this migration adds it here.

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('ledger', '0009_idempotency_record_method_path'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='IdempotencyRecord',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('scope', models.CharField(max_length=64)),
                        ('key', models.CharField(max_length=200)),
                        ('method', models.CharField(blank=True, max_length=10)),
                        ('path', models.CharField(blank=True, max_length=500)),
                        ('body_hash', models.CharField(max_length=64)),
                        ('status_code', models.PositiveSmallIntegerField()),
                        ('response', models.JSONField()),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ],
                    options={
                        'db_table': 'ledger_idempotencyrecord',
                    },
                ),
                migrations.AddConstraint(
                    model_name='idempotencyrecord',
                    constraint=models.UniqueConstraint(fields=('scope', 'key'), name='ledger_idempotency_unique'),
                ),
            ],
            database_operations=[],
        ),
    ]
