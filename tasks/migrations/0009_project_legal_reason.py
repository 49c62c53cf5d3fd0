# issue 23: the legal reason a country requirement cites (tasks/transparency.py)

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tasks', '0008_gold_mixing'),
    ]

    operations = [
        migrations.AddField(
            model_name='project',
            name='legal_reason',
            field=models.CharField(blank=True, max_length=20, verbose_name='legal reason for a country requirement'),
        ),
        migrations.AddField(
            model_name='project',
            name='legal_reason_text',
            field=models.CharField(blank=True, max_length=300, verbose_name='the legal reason in a sentence'),
        ),
    ]
