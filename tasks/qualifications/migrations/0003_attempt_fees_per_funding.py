"""Paid tests' fees per funding (issue 16, point 2): a test's fee fields become the totals of
its fundings, each funding kept in `funding_fees`, and each paid attempt keeps its share.
Tests defined before kept one fee per attempt: their fundings so far become one funding whose
shares are exactly that fee, and their paid attempts get it."""

from django.db import migrations, models


PARTS = ("fee_coop", "fee_federation", "fee_juror")


def forwards(apps, schema_editor):
    QualificationTest = apps.get_model("qualifications", "QualificationTest")
    Attempt = apps.get_model("qualifications", "Attempt")
    for test in QualificationTest.objects.order_by("pk"):
        per = [getattr(test, name) for name in PARTS]
        funded = test.attempts_funded
        test.funding_fees = [[funded, *(fee * funded for fee in per)]] if funded else []
        for name, fee in zip(PARTS, per, strict=True):
            setattr(test, name, fee * funded)
        test.save(update_fields=["funding_fees", *PARTS])
        Attempt.objects.filter(test=test, status="submitted").update(**dict(zip(PARTS, per, strict=True)))


def backwards(apps, schema_editor):
    QualificationTest = apps.get_model("qualifications", "QualificationTest")
    for test in QualificationTest.objects.order_by("pk"):
        first = test.funding_fees[0] if test.funding_fees else [1, 0, 0, 0]
        for name, part in zip(PARTS, first[1:], strict=True):
            setattr(test, name, part // max(1, first[0]))
        test.save(update_fields=list(PARTS))


class Migration(migrations.Migration):

    dependencies = [
        ('qualifications', '0002_job_schedules'),
    ]

    operations = [
        migrations.AddField(
            model_name='attempt',
            name='fee_coop',
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='attempt',
            name='fee_federation',
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='attempt',
            name='fee_juror',
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='qualificationtest',
            name='funding_fees',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(forwards, backwards),
    ]
