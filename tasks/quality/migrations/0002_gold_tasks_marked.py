# Issue 20: the tasks already marked gold, and their slots, carry the mark the claim reads
# (tasks.Task.is_gold, tasks.Slot.is_gold; kept by tasks.services.task_gold_mark from now on).

from django.db import migrations


def mark(apps, schema_editor):
    GoldAnswer = apps.get_model("quality", "GoldAnswer")
    Task = apps.get_model("tasks", "Task")
    Slot = apps.get_model("tasks", "Slot")
    ids = list(GoldAnswer.objects.values_list("task_id", flat=True))
    for start in range(0, len(ids), 1000):
        chunk = ids[start:start + 1000]
        Task.objects.filter(pk__in=chunk).update(is_gold=True)
        Slot.objects.filter(task_id__in=chunk).update(is_gold=True)


def unmark(apps, schema_editor):
    apps.get_model("tasks", "Slot").objects.filter(is_gold=True).update(is_gold=False)
    apps.get_model("tasks", "Task").objects.filter(is_gold=True).update(is_gold=False)


class Migration(migrations.Migration):

    dependencies = [
        ('quality', '0001_aggregation_and_gold'),
        ('tasks', '0008_gold_mixing'),
    ]

    operations = [
        migrations.RunPython(mark, unmark),
    ]
