"""Each slot keeps its own share of its batch's fees (tasks/fees.py). Projects published before
kept one fee per assignment: their slots get that fee, and the project's fee fields become the
totals over its slots."""

from django.db import migrations, models


def per_slot_shares(apps, schema_editor):
    Project = apps.get_model("tasks", "Project")
    Slot = apps.get_model("tasks", "Slot")
    for project in Project.objects.filter(published_at__isnull=False).iterator():
        slots = Slot.objects.filter(project=project)
        slots.update(fee_coop=project.fee_coop, fee_federation=project.fee_federation, fee_juror=project.fee_juror)
        count = slots.count()
        Project.objects.filter(pk=project.pk).update(
            fee_coop=project.fee_coop * count, fee_federation=project.fee_federation * count,
            fee_juror=project.fee_juror * count)


def per_assignment_fees(apps, schema_editor):
    Project = apps.get_model("tasks", "Project")
    Slot = apps.get_model("tasks", "Slot")
    for project in Project.objects.filter(published_at__isnull=False).iterator():
        slot = Slot.objects.filter(project=project).order_by("pk").first()
        if slot is not None:
            Project.objects.filter(pk=project.pk).update(
                fee_coop=slot.fee_coop, fee_federation=slot.fee_federation, fee_juror=slot.fee_juror)


class Migration(migrations.Migration):

    dependencies = [
        ('tasks', '0002_job_schedules'),
    ]

    operations = [
        migrations.AddField(
            model_name='slot',
            name='fee_coop',
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='slot',
            name='fee_federation',
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='slot',
            name='fee_juror',
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunPython(per_slot_shares, per_assignment_fees),
    ]
