from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "ledger"
    label = "ledger"
    verbose_name = _("Ledger")

    def ready(self):
        # imports in ready(), not at the top: models and services load once the app registry is ready
        from coop.eventlog.privacy import register_owner_resolver, register_personal
        from ledger.selectors import payout_owners
        from ledger.services.hardship import HARDSHIP_EVENTS

        # money into or out of one member's wallet: that member's payload only (issue 15, leak 3)
        register_personal("ledger.escrow_released", "ledger.bonus_paid", "ledger.juror_paid", owner_key="user")
        register_personal("payout.requested", "payout.settled", "payout.failed", owner_key="user", stewards=True)
        register_personal("payout.confirmed", owner_key="payout", resolver="payout", stewards=True)
        register_owner_resolver("payout", payout_owners)

        from accounts.datarights import (
            register_blocker,
            register_eraser,
            register_preparer,
            register_section,
            register_subjects,
        )
        from ledger.datarights import (
            payout_rows,
            payout_subjects,
            payouts_erase,
            wallet_blockers,
            wallet_lines,
            wallet_prepare,
        )

        register_personal("ledger.wallet_donated", "ledger.solidarity_contributed", "ledger.patronage_paid",
                          owner_key="user")
        # the solidarity fund (issue 23): who asked and who got a grant is for them and their stewards only
        register_personal("ledger.solidarity_granted", *HARDSHIP_EVENTS, owner_key="user", stewards=True)
        register_section("wallet_statement", wallet_lines, note=_(
            "Amounts are in minor units of the federation's currency (cents for USD)."))
        register_section("payouts", payout_rows)
        register_preparer(wallet_prepare)
        register_blocker(wallet_blockers)
        register_eraser(payouts_erase)
        register_subjects(payout_subjects)
