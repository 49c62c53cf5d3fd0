# Issue 20: gold tasks mixed into each member's work at the project's rate (docs/quality.md)

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tasks', '0007_project_transparency'),
    ]

    operations = [
        migrations.AddField(
            model_name='project',
            name='gold_rate_pct',
            field=models.PositiveSmallIntegerField(default=0, verbose_name="gold tasks in each member's work (%)"),
        ),
        migrations.AddField(
            model_name='task',
            name='is_gold',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='slot',
            name='is_gold',
            field=models.BooleanField(default=False),
        ),
        migrations.AddIndex(
            model_name='slot',
            index=models.Index(condition=models.Q(('is_gold', True), ('status', 'open')), fields=['project', 'id'],
                               name='slot_open_gold_idx'),
        ),
    ]
