from django.db import migrations

SCHEDULES = [
    ("tasks.qualifications.jobs.reevaluate_recent", "I", 5),
    ("tasks.qualifications.jobs.attempts_expire", "I", 5),
    ("tasks.qualifications.jobs.reevaluate_all", "D", None),
]


def forwards(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for func, kind, minutes in SCHEDULES:
        if not Schedule.objects.filter(func=func).exists():
            Schedule.objects.create(func=func, name=func, schedule_type=kind, minutes=minutes, repeats=-1)


def backwards(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.filter(func__in=[func for func, _kind, _minutes in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("qualifications", "0001_qualifications"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
