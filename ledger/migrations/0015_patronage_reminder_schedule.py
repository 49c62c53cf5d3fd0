from django.db import migrations

# The daily job that tells a coop's stewards when a patronage period ended with no distribution
# proposed (issue 23; docs/patronage.md): the ledger's job (ledger.jobs), its schedule row here.
NAME = "ledger.patronage_reminders"


def create(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.get_or_create(
        name=NAME, defaults={"func": "ledger.jobs.patronage_reminders", "schedule_type": "D", "repeats": -1},
    )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0014_exchange_rate"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create, remove)]
