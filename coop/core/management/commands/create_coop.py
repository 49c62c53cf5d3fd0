"""The federation operator creates a coop (rulebook version 1) and appoints its founding stewards.

    manage.py create_coop --name "Coop Nairobi" --slug nairobi --country KE \\
        --steward alice@example.org --steward bob@example.org [--operator operator@example.org]

The stewards must already have accounts (they sign up first). Runs the same services as the
operator page, so the coop's creation and each appointment are recorded in the event log."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from coop.core.errors import DomainError
from coop.federation import selectors, services


class Command(BaseCommand):
    help = "Create a coop and appoint its founding stewards (federation operator)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True, help="short name used in addresses, e.g. nairobi")
        parser.add_argument("--country", default="", help="two letters, e.g. KE")
        parser.add_argument("--description", default="")
        parser.add_argument("--steward", action="append", default=[], help="email of a founding steward (repeat)")
        parser.add_argument("--operator", help="email of the operator (default: the first superuser)")

    def handle(self, *args, **options):
        if options["operator"]:
            operator = User.objects.filter(email=options["operator"].lower(), is_staff=True).first()
        else:
            operator = User.objects.filter(is_superuser=True).order_by("pk").first()
        if operator is None:
            raise CommandError("No federation operator found (create one with createsuperuser, or pass --operator).")
        try:
            with transaction.atomic(durable=True):
                stewards = selectors.users_by_emails(emails=options["steward"])
                coop = services.coop_create(
                    operator=operator, name=options["name"], slug=options["slug"], country=options["country"],
                    description=options["description"], stewards=stewards,
                )
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}")
        self.stdout.write(self.style.SUCCESS(
            f"Created coop {coop.name} ({coop.slug}) with rulebook version 1 and "
            f"{len(stewards)} founding steward(s)."))
