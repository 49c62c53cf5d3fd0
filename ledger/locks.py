"""The only place ledger rows are locked: always in primary-key order, so two transactions
touching the same accounts queue instead of deadlocking."""

from ledger.models import Balance, HardshipApplication, PatronageDistribution, Payout


def balances_for_update(account_ids):
    """Lock the balance rows of `account_ids` (pk order) and return {account_id: Balance}."""
    rows = Balance.objects.filter(pk__in=set(account_ids)).order_by("pk").select_for_update()
    return {row.pk: row for row in rows}


def payout_for_update(payout_id):
    return Payout.objects.select_for_update().get(pk=payout_id)



def hardship_application_for_update(application_id):
    """Lock one hardship application (its workflow row): two stewards deciding at once queue here,
    so a grant is decided and paid once. Taken before any balance (docs/ledger.md "Lock order")."""
    return HardshipApplication.objects.select_for_update().get(pk=application_id)


def patronage_distribution_for_update(distribution_id):
    """Lock one patronage distribution (its workflow row): two payments at once queue here, so
    its shares are paid once. Taken before any balance (docs/ledger.md "Lock order")."""
    return PatronageDistribution.objects.select_for_update().get(pk=distribution_id)
