from django.db import migrations

FUNC = "tasks.webhooks.jobs.deliveries_due"


def forwards(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    if not Schedule.objects.filter(func=FUNC).exists():
        Schedule.objects.create(func=FUNC, name=FUNC, schedule_type="I", minutes=1, repeats=-1)


def backwards(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=FUNC).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_subscriptions"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
