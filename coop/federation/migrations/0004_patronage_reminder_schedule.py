from django.db import migrations

# The daily job that tells a coop's stewards when a patronage period ended with no distribution
# proposed (issue 23; docs/patronage.md). The job is the ledger's (ledger.jobs); its schedule is
# made here because session 8's helper was given migrations in tasks and coop.federation only, and
# it is a schedule row, not a ledger table: it could move to a ledger migration unchanged.
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
        ("federation", "0003_coop_support_contact"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create, remove)]
