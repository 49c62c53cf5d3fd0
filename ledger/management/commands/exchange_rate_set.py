"""`manage.py exchange_rate_set MGA 4612.5 [--date 2026-12-01]`: the operator sets the rate at
which members see amounts in a local currency (issue 23; ledger/services/rates.py). Nothing is
fetched from the network: the operator takes the rate from a source they trust (their bank,
the central bank's published rate) and sets it here or on the operator's ledger page."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from coop.core.errors import DomainError
from coop.core.money import LOCAL_CURRENCIES
from ledger.services import exchange_rate_set


class Command(BaseCommand):
    help = "Set the exchange rate of a local currency (units for one unit of the federation's currency)."

    def add_arguments(self, parser):
        parser.add_argument("currency", help=", ".join(LOCAL_CURRENCIES))
        parser.add_argument("rate", help="e.g. 4612.5")
        parser.add_argument("--date", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)")

    def handle(self, *args, **options):
        try:
            with transaction.atomic(durable=True):
                row = exchange_rate_set(actor=None, currency=options["currency"], rate=options["rate"],
                                        date=options["date"])
        except DomainError as exc:
            raise CommandError(str(exc.message))
        self.stdout.write(f"{row.currency} {row.rate.normalize()} as of {row.date.isoformat()}")
