"""API keys get scopes (issue 15, leak 7). Keys made before scopes existed keep what they
could do for the organisation's work (`read`, `projects`, `review`) but not `admin`: managing
keys, staff and invitations now needs a logged-in owner or a new `admin` key."""

from django.db import migrations, models

DEFAULT_SCOPES = ["read", "projects", "review"]


def existing_keys_default(apps, schema_editor):
    ApiKey = apps.get_model("accounts", "ApiKey")
    ApiKey.objects.all().update(scopes=DEFAULT_SCOPES)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0006_data_export"),
    ]

    operations = [
        migrations.AddField(
            model_name="apikey",
            name="scopes",
            field=models.JSONField(blank=True, default=list, verbose_name="scopes"),
        ),
        migrations.RunPython(existing_keys_default, migrations.RunPython.noop),
    ]
