from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0007_transaction_kind_donation'),
    ]

    operations = [
        migrations.AlterField(
            model_name='transaction',
            name='kind',
            field=models.CharField(choices=[('deposit', 'Deposit'), ('escrow_hold', 'Escrow hold'), ('escrow_release', 'Payment for approved work'), ('escrow_refund', 'Escrow refund'), ('bonus', 'Bonus'), ('juror_pay', 'Juror pay'), ('treasury_fund', 'Coop funding'), ('treasury_contribution', "Contribution to the coop's treasury"), ('juror_fund_top_up', 'Juror fund top-up from the treasury'), ('payout_request', 'Payout requested'), ('payout_settle', 'Payout sent'), ('payout_fail', 'Payout failed, money returned'), ('reversal', 'Correction'), ('donation', "Given to the coop's treasury")], max_length=24),
        ),
    ]
