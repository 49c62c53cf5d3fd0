# Issue 20: the fan-out follows the sequenced event log from a cursor (docs/webhooks.md), so a
# process that dies between its commit and its after-commit fan-out loses no webhook.

from django.db import migrations, models
import django.utils.timezone

FUNC = "tasks.webhooks.jobs.events_fan_out"


def forwards(apps, schema_editor):
    # start at the log's head: events before the webhooks' catch-up existed were fanned out already
    Sequenced = apps.get_model("eventlog", "Sequenced")
    head = Sequenced.objects.order_by("-position").values_list("position", flat=True).first() or 0
    apps.get_model("webhooks", "LogCursor").objects.update_or_create(pk=1, defaults={"position": head})
    Schedule = apps.get_model("django_q", "Schedule")
    if not Schedule.objects.filter(func=FUNC).exists():
        Schedule.objects.create(func=FUNC, name=FUNC, schedule_type="I", minutes=1, repeats=-1)


def backwards(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=FUNC).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('webhooks', '0002_delivery_schedule'),
        ('eventlog', '0006_erasable_payloads'),
    ]

    operations = [
        migrations.CreateModel(
            name='LogCursor',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.BigIntegerField(default=0)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
