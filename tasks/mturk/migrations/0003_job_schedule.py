from django.db import migrations

SCHEDULES = [("tasks.mturk.jobs.hits_expire_due", 1)]


def forwards(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for func, minutes in SCHEDULES:
        if not Schedule.objects.filter(func=func).exists():
            Schedule.objects.create(func=func, name=func, schedule_type="I", minutes=minutes, repeats=-1)


def backwards(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.filter(func__in=[func for func, _ in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("mturk", "0002_hit_life"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
