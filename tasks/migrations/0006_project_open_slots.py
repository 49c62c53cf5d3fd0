"""Project.open_slots: the count of the project's open slots, kept with every slot change
(issue 18). Filled here from the slots; never negative (a positive integer column)."""

from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce


def fill(apps, schema_editor):
    Project = apps.get_model("tasks", "Project")
    Slot = apps.get_model("tasks", "Slot")
    counts = (Slot.objects.filter(project=OuterRef("pk"), status="open").order_by()
              .values("project").annotate(n=Count("pk")).values("n"))
    Project.objects.update(open_slots=Coalesce(Subquery(counts), 0))


class Migration(migrations.Migration):

    dependencies = [
        ("tasks", "0005_task_closed_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="project",
            name="open_slots",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="assignment",
            index=models.Index(fields=["project", "submitted_at"], name="assignment_project_submitted"),
        ),
    ]
