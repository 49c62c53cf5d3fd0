from django.db import migrations

SCHEDULES = [
    ("tasks.jobs.expire_due", 1),
    ("tasks.jobs.auto_approve_due", 5),
    ("tasks.jobs.finalise_rejections_due", 15),
]


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
        ("tasks", "0001_marketplace"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
