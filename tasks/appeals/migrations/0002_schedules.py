from django.db import migrations

SCHEDULES = [("tasks.appeals.jobs.appeals_due", 5), ("tasks.appeals.jobs.scorecards_all", 60)]


def create(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for func, minutes in SCHEDULES:
        if not Schedule.objects.filter(func=func).exists():
            Schedule.objects.create(func=func, name=func, schedule_type="I", minutes=minutes, repeats=-1)


def remove(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.filter(func__in=[func for func, _ in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("appeals", "0001_appeals"), ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more")]

    operations = [migrations.RunPython(create, remove)]
